// Benchmark (not a test): the cost per step of the weight-averaging plugins on
// the bench MLP 784-256-256-10 (batch 128; interleaved rounds, median ratios;
// target ≤ 1.05), on the fastest backend that starts.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { compareStepTimes, printStepTimes } from '@tikhonov/core/testing';
import { useNativeBackend } from '@tikhonov/backend-native';
import { ema, swa } from '@tikhonov/ensembles';

const native = await useNativeBackend().then(() => true, (e: Error) => (console.log(`native backend unavailable: ${e.message.split('\n')[0]}`), false));
await tf.setBackend(process.env.TIKHONOV_BENCH_BACKEND ?? (native ? 'native' : 'cpu'));
const rounds = Number(process.env.TIKHONOV_BENCH_ROUNDS ?? 60);
const rows = await compareStepTimes(
  [
    { label: 'none', plugins: [] },
    { label: 'ema(0.999)', plugins: [ema()], target: 1.05 },
    { label: 'ema, bias correction', plugins: [ema({ biasCorrection: true })], target: 1.05 },
    { label: 'swa (per epoch)', plugins: [swa()], target: 1.05 },
  ],
  { rounds },
);
console.log(`backend ${tf.getBackend()}, ${rounds} interleaved rounds of 3 steps`);
printStepTimes(rows);
