// Benchmark (not a test): MLP 784-256-256-10 step time with dropout vs without
// (interleaved rounds, median ratio), and Monte Carlo inference cost per sample
// relative to one weight-scaled forward pass.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { BENCH_MODELS, compareStepTimes, printStepTimes, timeSteps } from '@tikhonov/core/testing';
import { dropout, monteCarloPredict } from '@tikhonov/dropout';

await tf.setBackend(process.env.TIKHONOV_BENCH_BACKEND ?? 'cpu');
const rounds = Number(process.env.TIKHONOV_BENCH_ROUNDS ?? 5);
printStepTimes(await compareStepTimes([{ label: 'none', plugins: [] }, { label: 'dropout()', plugins: [dropout()], target: 1.1 }], { rounds }));

// Monte Carlo inference cost per sample, relative to one weight-scaled forward pass
// (the benchmark MLP with dropout, built and trained for two steps)
const { trainer: dropped, data } = await timeSteps(BENCH_MODELS[0]!, { steps: 1, warmup: 1, plugins: [dropout()] });
const x = data.x as tf.Tensor;
const timeIt = async (f: () => void) => {
  f();
  const start = performance.now();
  f();
  return performance.now() - start;
};
const single = await timeIt(() => tf.dispose(dropped.predict(x)));
const samples = 20;
const mc = await timeIt(() => {
  const r = monteCarloPredict(dropped, x, { samples });
  tf.dispose([r.mean, r.variance, r.entropy]);
});
console.log(`inference, ${x.shape[0]} examples: weight scaling ${single.toFixed(1)} ms; Monte Carlo ${samples} samples ${mc.toFixed(1)} ms = ${(mc / samples).toFixed(1)} ms/sample (${(mc / samples / single).toFixed(2)}× one forward)`);
console.log(`backend ${tf.getBackend()}; step ratios are medians of ${rounds} interleaved rounds`);
