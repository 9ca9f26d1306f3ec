// Benchmark (not a test): MLP 784-256-256-10 step time with each noise plugin vs
// without (interleaved rounds, median ratios; target ≤ 1.10), and the cost of
// jacobianPenalty (10 output units: 10 extra backward passes), reported.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { dataset, nn, Trainer, type Plugin } from '@tikhonov/core';
import { compareStepTimes, printStepTimes } from '@tikhonov/core/testing';
import { gradientNoise, hiddenNoise, inputNoise, jacobianPenalty, labelNoise, labelSmoothing, weightNoise } from '@tikhonov/noise';

await tf.setBackend(process.env.TIKHONOV_BENCH_BACKEND ?? 'cpu');
const rounds = Number(process.env.TIKHONOV_BENCH_ROUNDS ?? 5);
const batch = 128;
const data = dataset.fromTensors(tf.randomNormal([batch * 4, 784], 0, 1, 'float32', 1), tf.randomUniform([batch * 4], 0, 10, 'int32', 2));
const make = (plugins: Plugin[]) =>
  new Trainer({
    model: nn.sequential([nn.dense(256, { activation: 'relu' }), nn.dense(256, { activation: 'relu' }), nn.dense(10)]),
    loss: 'softmaxCrossEntropy',
    optimizer: { name: 'sgd', learningRate: 0.01 },
    plugins,
    progress: false,
  });
const run = async (t: Trainer, steps: number) => {
  await t.fit(data, { epochs: 1_000_000, batchSize: batch, maxSteps: t.step + steps });
  await t.params.get('dense_3/bias').variable.data();
};
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
const jac = make([jacobianPenalty({ nu: 1e-3 })]);
await run(jac, 1);
const start = performance.now();
await run(jac, 2);
const jacMs = (performance.now() - start) / 2;
console.log(`${'jacobianPenalty(1e-3)'.padEnd(22)} ${jacMs.toFixed(1).padStart(8)} ms/step   ratio ${(jacMs / rows[0]!.ms).toFixed(2)} (reported: one extra forward and 10 extra backward passes)`);
console.log(`backend ${tf.getBackend()}; medians of ${rounds} interleaved rounds of 3 steps`);
