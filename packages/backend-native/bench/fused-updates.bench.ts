// Benchmark (not a test): core's fused updates on the native backend against
// the tfjs ops they replace, in one process, interleaved rounds.
// - Adam: the trainer's 'adam' (FusedAdamOptimizer, one TikhonovAdam kernel
//   per variable) vs tfjs's AdamOptimizer (13 kernels per variable), each
//   fitting the digits MLP 64-256-256-10 (batch 32, 10 epochs) from the same
//   seed; the numbers are the same bit for bit (tested), only the time differs.
import * as tf from '@tensorflow/tfjs-core';
import { nn, Trainer } from '@tikhonov/core';
import { loadDigits } from '@tikhonov/datasets';
import { useNativeBackend } from '@tikhonov/backend-native';

const started = await useNativeBackend({ threads: 1 }).then(() => true, (e: Error) => (console.log(`fused-updates bench skipped: the native backend is unavailable (${e.message.split('\n')[0]})`), false));
if (started) {
  tf.env().set('PROD', true);
  const { data } = loadDigits();
  const rounds = Number(process.env.TIKHONOV_BENCH_ROUNDS ?? 8);
  const fit = async (optimizer: 'adam' | tf.Optimizer) => {
    const trainer = new Trainer({ model: nn.sequential([nn.dense(256, { activation: 'relu' }), nn.dense(256, { activation: 'relu' }), nn.dense(10)]), loss: 'softmaxCrossEntropy', optimizer, seed: 1, progress: false });
    const t0 = performance.now();
    await trainer.fit(data, { epochs: 10, batchSize: 32 });
    const ms = performance.now() - t0;
    trainer.dispose();
    return ms;
  };
  await fit('adam'); // warm-up: kernels, pool
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const tfjs = await fit(tf.train.adam(0.001, 0.9, 0.999, 1e-7));
    const fused = await fit('adam');
    ratios.push(tfjs / fused);
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(`Adam, digits MLP 64-256-256-10, 10 epochs, 1 thread, ${rounds} interleaved rounds: tfjs's AdamOptimizer / fused TikhonovAdam = ${sorted[Math.floor(rounds / 2)]!.toFixed(2)}× (range ${sorted[0]!.toFixed(2)}–${sorted.at(-1)!.toFixed(2)})`);
}
