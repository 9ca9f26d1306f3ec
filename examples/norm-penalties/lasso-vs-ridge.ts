// L¹ vs L² on the diabetes data (442 patients, 10 standardised features):
// L¹ (proximal) sets weights exactly to zero, L² only shrinks them. Then the
// ridge path: each weight as α grows, from the closed form (XᵀX + αI)⁻¹Xᵀy.
import * as tf from '@tensorflow/tfjs-core';
import { dataset, learningCurvesSvg, nn, Trainer, type Plugin } from '@tikhonov/core';
import { loadDiabetes } from '@tikhonov/datasets';
import { effectiveParameters, l1, l2, ridge, symmetricEigen } from '@tikhonov/norm-penalties';
import { printTable, useCpu, writeOut } from '../shared.js';

await useCpu();
const features = ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6'];
const raw = loadDiabetes().data;
const standardized = dataset.standardize(raw, dataset.fitStandardizer(raw.x));
const y = raw.y as tf.Tensor;
const yStd = tf.tidy(() => tf.div(tf.sub(y, tf.mean(y)), tf.sqrt(tf.moments(y).variance)));
const data = dataset.fromTensors(standardized.x, yStd);
const m = data.size;

async function fitLinear(plugins: Plugin[]): Promise<Float32Array> {
  const t = new Trainer({ model: nn.dense(1, { useBias: false }), loss: 'mse', optimizer: { name: 'sgd', learningRate: 0.1 }, plugins, progress: false, logEvery: 500 });
  await t.fit(data, { epochs: 1500, batchSize: m, shuffle: false });
  const w = t.params.get('dense_1/kernel').variable.dataSync().slice() as Float32Array;
  t.dispose();
  return w;
}

const alpha = 0.05;
const plain = await fitLinear([]);
const lasso = await fitLinear([l1({ alpha, method: 'proximal' })]);
const ridged = await fitLinear([l2({ alpha: 4 * alpha })]);
console.log(`Linear regression on standardised diabetes data, full-batch SGD (1500 steps)\n`);
printTable(
  ['feature', 'no penalty', `l1 α=${alpha} (proximal)`, `l2 α=${4 * alpha}`],
  features.map((f, i) => [f, plain[i]!, lasso[i] === 0 ? '0 (exact)' : lasso[i]!, ridged[i]!]),
);
console.log(`\nexact zeros: l1 ${lasso.filter((v) => v === 0).length} of 10, l2 ${ridged.filter((v) => v === 0).length} of 10`);

// The ridge path from the closed form, with the effective number of parameters (eq. 7.8).
const X = Array.from({ length: m }, (_, i) => Array.from(data.x.dataSync().subarray(i * 10, i * 10 + 10)));
const target = Array.from(yStd.dataSync());
const eigen = symmetricEigen(X[0]!.map((_, a) => X[0]!.map((_, b) => X.reduce((s, row) => s + row[a]! * row[b]!, 0))));
const alphas = Array.from({ length: 25 }, (_, k) => 10 ** (-1 + (5 * k) / 24));
const path = alphas.map((a) => ridge(X, target, a));
console.log('\nridge path (closed form):');
printTable(
  ['α', 'γ (effective params)', ...features.slice(0, 4)],
  alphas.filter((_, k) => k % 6 === 0).map((a) => [a.toPrecision(3), effectiveParameters(eigen.values, a), ...Array.from(ridge(X, target, a).slice(0, 4))]),
);
const svg = learningCurvesSvg(
  features.map((f, i) => ({ label: f, points: alphas.map((a, k) => [Math.log10(a), path[k]![i]!] as const) })),
  { title: 'ridge path: weights as α grows', xLabel: 'log10 α', yLabel: 'weight' },
);
console.log(`\nridge path plot: ${writeOut('ridge-path.svg', svg)}`);
