// Benchmark (not a test): core's fused updates on the native backend against
// the tfjs ops they replace, in one process, interleaved rounds.
// - Adam: the trainer's 'adam' (FusedAdamOptimizer, one TikhonovAdam kernel
//   per variable) vs tfjs's AdamOptimizer (14 kernels per variable), each
//   fitting the digits MLP 64-256-256-10 (batch 32, 10 epochs) from the same
//   seed; the numbers are the same bit for bit (tested), only the time differs.
// - momentum: the trainer's 'momentum' (FusedMomentumOptimizer, one
//   TikhonovMomentum kernel per variable) vs tfjs's MomentumOptimizer (4).
import * as tf from '@tensorflow/tfjs-core';
import { nn, Trainer, type OptimizerSpec } from '@tikhonov/core';
import { loadDigits } from '@tikhonov/datasets';
import { useNativeBackend } from '@tikhonov/backend-native';

const started = await useNativeBackend({ threads: 1 }).then(() => true, (e: Error) => (console.log(`fused-updates bench skipped: the native backend is unavailable (${e.message.split('\n')[0]})`), false));
if (started) {
  tf.env().set('PROD', true);
  const { data } = loadDigits();
  const rounds = Number(process.env.TIKHONOV_BENCH_ROUNDS ?? 8);
  const fit = async (optimizer: OptimizerSpec) => {
    const trainer = new Trainer({ model: nn.sequential([nn.dense(256, { activation: 'relu' }), nn.dense(256, { activation: 'relu' }), nn.dense(10)]), loss: 'softmaxCrossEntropy', optimizer, seed: 1, progress: false });
    const t0 = performance.now();
    await trainer.fit(data, { epochs: 10, batchSize: 32 });
    const ms = performance.now() - t0;
    trainer.dispose();
    return ms;
  };
  // the trainer's fused optimizer against tfjs's, alternating, median and range of the ratios
  const compare = async (label: string, tfjs: () => tf.Optimizer, fused: OptimizerSpec) => {
    await fit(fused); // warm-up: kernels, pool
    const ratios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const reference = await fit(tfjs());
      ratios.push(reference / (await fit(fused)));
    }
    const sorted = [...ratios].sort((a, b) => a - b);
    console.log(`${label}, digits MLP 64-256-256-10, 10 epochs, 1 thread, ${rounds} interleaved rounds: tfjs / fused = ${sorted[Math.floor(rounds / 2)]!.toFixed(2)}× (range ${sorted[0]!.toFixed(2)}–${sorted.at(-1)!.toFixed(2)})`);
  };
  await compare("Adam (tfjs's AdamOptimizer vs TikhonovAdam)", () => tf.train.adam(0.001, 0.9, 0.999, 1e-7), 'adam');
  await compare("momentum 0.9 (tfjs's MomentumOptimizer vs TikhonovMomentum)", () => tf.train.momentum(0.01, 0.9), { name: 'momentum', learningRate: 0.01, momentum: 0.9 });
}
