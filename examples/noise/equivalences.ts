// Noise as regularisation. (1) Linear regression: Gaussian input noise of
// variance ν, the Jacobian penalty ν‖∇ₓŷ‖², l2 with the matching α, and the
// closed-form ridge solution — weights side by side. (2) Digits with 20% of
// the labels flipped: plain vs label smoothing vs label noise.
import * as tf from '@tensorflow/tfjs-core';
import { nn, Trainer, type Plugin } from '@tikhonov/core';
import { linearRegression, loadDigits, trainValidationTest } from '@tikhonov/datasets';
import { corruptLabels, inputNoise, jacobianPenalty, labelNoise, labelSmoothing } from '@tikhonov/noise';
import { l2, ridge } from '@tikhonov/norm-penalties';
import { printTable, useCpu } from '../shared.js';

await useCpu();
const m = 50;
const nu = 0.5;
const task = linearRegression({ examples: m, features: 4, noise: 0.2, seed: 12 });
const rows = Array.from({ length: m }, (_, i) => Array.from(task.X.subarray(i * 4, i * 4 + 4)));
const fit = async (plugins: Plugin[], average: boolean) => {
  const sums = [0, 0, 0, 0];
  let count = 0;
  const averager: Plugin = {
    name: 'averager',
    apiVersion: 2,
    order: 950,
    afterStep(ctx) {
      if (!average || ctx.step <= 1000) return;
      ctx.params.get('dense_1/kernel').variable.dataSync().forEach((v, i) => (sums[i]! += v));
      count++;
    },
  };
  const t = new Trainer({ model: nn.dense(1, { useBias: false }), loss: 'mse', optimizer: { name: 'sgd', learningRate: 0.01 }, plugins: [...plugins, averager], seed: 3, progress: false, logEvery: 1000 });
  await t.fit(task.data, { epochs: 4000, batchSize: m, shuffle: false });
  const w = average ? sums.map((s) => s / count) : Array.from(t.params.get('dense_1/kernel').variable.dataSync());
  t.dispose();
  return w;
};
// (1/m)‖Xw−y‖² + ν‖w‖² has the normal equations (XᵀX + mνI)w = Xᵀy; l2 adds α/2‖w‖², so α = 2ν.
const noisy = await fit([inputNoise({ stddev: Math.sqrt(nu) })], true);
const jac = await fit([jacobianPenalty({ nu })], false);
const penal = await fit([l2({ alpha: 2 * nu })], false);
const closed = ridge(rows, task.y, m * nu);
const ols = ridge(rows, task.y, 0);
console.log(`linear regression, ${m} examples, ν = ${nu}: input noise ≅ ν‖w‖² ≅ l2(α = 2ν) ≅ ridge(X, y, mν)\n`);
printTable(
  ['weight', 'least squares', 'inputNoise (avg of iterates)', 'jacobianPenalty', 'l2(2ν)', 'ridge(mν)'],
  [0, 1, 2, 3].map((i) => [`w${i + 1}`, ols[i]!, noisy[i]!, jac[i]!, penal[i]!, closed[i]!]),
);

const { train, test } = trainValidationTest(loadDigits().data, { validation: 0.15, test: 0.3, seed: 0 });
const { data: mislabelled } = corruptLabels(train, { rate: 0.2, classes: 10, seed: 4 });
const results: Array<Array<string | number>> = [];
for (const [label, plugins] of [
  ['plain', []],
  ['labelSmoothing(0.2)', [labelSmoothing({ epsilon: 0.2 })]],
  ['labelNoise(0.1)', [labelNoise({ rate: 0.1 })]],
] as Array<[string, Plugin[]]>) {
  const t = new Trainer({ model: nn.sequential([nn.dense(128, { activation: 'relu' }), nn.dense(10)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'adam', learningRate: 3e-3 }, plugins, seed: 0, progress: false });
  await t.fit(mislabelled, { epochs: 40, batchSize: 32 });
  results.push([label, (await t.evaluate(mislabelled)).accuracy!, (await t.evaluate(test)).accuracy!]);
  t.dispose();
}
console.log(`\ndigits, ${train.size} training examples with 20% of labels flipped, 40 epochs`);
printTable(['run', 'accuracy on the (noisy) training labels', 'test accuracy (clean labels)'], results);
tf.disposeVariables();
