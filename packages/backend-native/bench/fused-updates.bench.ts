// Benchmark (not a test): core's fused updates on the native backend against
// the tfjs ops they replace, in one process, interleaved rounds (core's
// compareFusedOptimizers: digits MLP 64-256-256-10, batch 32, 10 epochs, from
// the same seed; the numbers are the same bit for bit, tested).
// - Adam: the trainer's 'adam' (one TikhonovAdam kernel per variable) vs
//   tfjs's AdamOptimizer (14 kernels per variable).
// - momentum: the trainer's 'momentum' (one TikhonovMomentum kernel) vs tfjs's MomentumOptimizer (4).
// - plain SGD: the trainer's 'sgd' (one TikhonovSgd kernel) vs tfjs's SGDOptimizer (2).
import * as tf from '@tensorflow/tfjs-core';
import { compareFusedOptimizers } from '@tikhonov/core/testing';
import { loadDigits } from '@tikhonov/datasets';
import { useNativeBackend } from '@tikhonov/backend-native';

const started = await useNativeBackend({ threads: 1 }).then(() => true, (e: Error) => (console.log(`fused-updates bench skipped: the native backend is unavailable (${e.message.split('\n')[0]})`), false));
if (started) {
  tf.env().set('PROD', true);
  await compareFusedOptimizers(loadDigits().data, Number(process.env.TIKHONOV_BENCH_ROUNDS ?? 8), '1 thread');
}
