// Benchmark (not a test): MLP 784-256-256-10 step time with each noise plugin vs
// without (interleaved rounds, median ratios; target ≤ 1.10), and the cost of
// jacobianPenalty (10 output units: 10 extra backward passes), reported.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { BENCH_MODELS, compareStepTimes, printStepTimes, timeSteps } from '@tikhonov/core/testing';
import { gradientNoise, hiddenNoise, inputNoise, jacobianPenalty, labelNoise, labelSmoothing, weightNoise } from '@tikhonov/noise';

await tf.setBackend(process.env.TIKHONOV_BENCH_BACKEND ?? 'cpu');
const rounds = Number(process.env.TIKHONOV_BENCH_ROUNDS ?? 5);
const rows = await compareStepTimes(
  [
    { label: 'none', plugins: [] },
    { label: 'inputNoise(0.1)', plugins: [inputNoise({ stddev: 0.1 })], target: 1.1 },
    { label: 'hiddenNoise(0.1)', plugins: [hiddenNoise({ stddev: 0.1 })], target: 1.1 },
    { label: 'weightNoise(0.01)', plugins: [weightNoise({ stddev: 0.01 })], target: 1.1 },
    { label: 'gradientNoise(0.01)', plugins: [gradientNoise({ eta: 0.01 })], target: 1.1 },
    { label: 'labelSmoothing(0.1)', plugins: [labelSmoothing({ epsilon: 0.1 })], target: 1.1 },
    { label: 'labelNoise(0.1)', plugins: [labelNoise({ rate: 0.1 })], target: 1.1 },
  ],
  { rounds },
);
printStepTimes(rows);
const { ms: jacMs, trainer: jac, data } = await timeSteps(BENCH_MODELS[0]!, { steps: 2, warmup: 1, plugins: [jacobianPenalty({ nu: 1e-3 })] });
jac.dispose();
tf.dispose([data.x, data.y as tf.Tensor]);
console.log(`${'jacobianPenalty(1e-3)'.padEnd(22)} ${jacMs.toFixed(1).padStart(8)} ms/step   ratio ${(jacMs / rows[0]!.ms).toFixed(2)} (reported: one extra forward and 10 extra backward passes)`);
console.log(`backend ${tf.getBackend()}; medians of ${rounds} interleaved rounds of 3 steps`);
