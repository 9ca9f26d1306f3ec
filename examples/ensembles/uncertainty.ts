// Uncertainty from four ensemble-like predictors (seed §7.10; deck 004):
// a deep ensemble, MC dropout, Stein variational gradient descent and Bayes by
// Backprop on a 1-D regression whose training inputs leave a gap, drawn as
// predictive mean ± 2σ (epistemic σ: the spread of the members, draws or
// particles); then the same four on the digits, with their calibration.
// What to look for: σ small where the data are, larger in the gap and beyond.
import * as tf from '@tensorflow/tfjs-core';
import { dataset, HostRandom, learningCurvesSvg, nn, Trainer, type Dataset, type ModelOutput, type Plugin } from '@tikhonov/core';
import { loadDigits } from '@tikhonov/datasets';
import { dropout } from '@tikhonov/dropout';
import { bayesByBackprop, deepEnsemble, Ensemble, sampledEnsemble, svgd } from '@tikhonov/ensembles';
import { printTable, useFastestBackend, writeOut } from '../shared.js';

console.log(`backend: ${await useFastestBackend()}`);

// --- 1-D regression: y = sin(x) + N(0, 0.1²), x in [−4, −1] ∪ [1, 4] --------------------------------
const noise = 0.1;
const rng = new HostRandom(7);
const normal = () => Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
const xs = Array.from({ length: 60 }, (_, i) => (i < 30 ? -4 + 3 * rng.uniform() : 1 + 3 * rng.uniform()));
const curve = dataset.fromArrays(xs.map((x) => [x]), xs.map((x) => [Math.sin(x) + noise * normal()]));
// the per-example negative log-likelihood under y ~ N(ŷ, σ²): what SVGD and Bayes by Backprop need as the loss
const gaussianNll = (pred: ModelOutput, target: unknown) => tf.div(tf.mean(tf.square(tf.sub(pred as tf.Tensor, target as tf.Tensor))), 2 * noise ** 2) as tf.Scalar;
const mlp = () => nn.sequential([nn.dense(50, { activation: 'tanh' }), nn.dense(50, { activation: 'tanh' }), nn.dense(1)]);
const regressor = (seed: number, plugins: Plugin[], learningRate = 0.01) =>
  new Trainer({ model: mlp(), loss: gaussianNll, optimizer: { name: 'adam', learningRate }, plugins, seed, progress: false });
const fit = { epochs: 1500, batchSize: 60 };

const methods: Array<[string, () => Promise<Ensemble>]> = [
  ['deep ensemble (5)', () => deepEnsemble({ members: 5, data: curve, fit, combine: 'regression', makeTrainer: (seed) => regressor(seed, []) })],
  ['MC dropout (p = 0.1)', async () => sampledEnsemble(await trained(regressor(1, [dropout({ input: 0, hidden: 0.1 })]), curve), { samples: 50, combine: 'regression' })],
  // SVGD moves the particles by plain steps of lr·φ, and φ carries N·∇(mean NLL): a small rate
  ['SVGD (8 particles)', async () => sampledEnsemble(await trained(sgdRegressor(1, [svgd({ particles: 8, combine: 'regression' })], 2e-5), curve), { samples: 50, combine: 'regression' })],
  ['Bayes by Backprop', async () => sampledEnsemble(await trained(regressor(1, [bayesByBackprop({ initStddev: 0.01 })]), curve, 3000), { samples: 50, combine: 'regression' })],
];

function sgdRegressor(seed: number, plugins: Plugin[], learningRate: number) {
  return new Trainer({ model: mlp(), loss: gaussianNll, optimizer: { name: 'sgd', learningRate }, plugins, seed, progress: false });
}
// a sampledEnsemble leaves its trainer to the caller: these are disposed at the end
const made: Trainer[] = [];
async function trained(trainer: Trainer, data: Dataset, epochs = fit.epochs) {
  made.push(trainer);
  await trainer.fit(data, { ...fit, epochs });
  return trainer;
}

const grid = Array.from({ length: 241 }, (_, i) => -6 + 0.05 * i);
const gridX = tf.tensor2d(grid.map((x) => [x]));
const region = (x: number) => (Math.abs(x) < 1 ? 'gap' : Math.abs(x) <= 4 ? 'data' : 'outside');
const rows: Array<Array<string | number>> = [];
for (const [label, make] of methods) {
  const started = performance.now();
  const ensemble = await make();
  const { mean, variance } = ensemble.moments(gridX);
  const m = Array.from(mean.dataSync());
  const sd = Array.from(variance.dataSync(), Math.sqrt);
  tf.dispose([mean, variance]);
  const meanSd = (where: string) => {
    const picked = sd.filter((_, i) => region(grid[i]!) === where);
    return picked.reduce((a, b) => a + b, 0) / picked.length;
  };
  const rmse = Math.sqrt(grid.reduce((s, x, i) => s + (region(x) === 'data' ? (m[i]! - Math.sin(x)) ** 2 : 0), 0) / grid.filter((x) => region(x) === 'data').length);
  rows.push([label, rmse, meanSd('data'), meanSd('gap'), meanSd('outside'), (performance.now() - started) / 1000]);
  const svg = learningCurvesSvg(
    [
      { label: 'sin(x)', points: grid.map((x) => [x, Math.sin(x)] as const), color: '#7f7f7f', dashed: true },
      { label: 'mean', points: grid.map((x, i) => [x, m[i]!] as const), color: '#1f77b4' },
      { label: 'mean + 2σ', points: grid.map((x, i) => [x, m[i]! + 2 * sd[i]!] as const), color: '#ff7f0e' },
      { label: 'mean − 2σ', points: grid.map((x, i) => [x, m[i]! - 2 * sd[i]!] as const), color: '#ff7f0e' },
      { label: 'training data', points: xs.map((x, i) => [x, (curve.y as tf.Tensor).dataSync()[i]!] as const), color: '#d62728', dots: true },
    ],
    { title: `${label}: predictive mean ± 2σ (training inputs leave out |x| < 1)`, xLabel: 'x', yLabel: 'y' },
  );
  console.log(`${label}: ${writeOut(`uncertainty-${label.split(' ')[0]!.toLowerCase()}.svg`, svg)}`);
  ensemble.dispose();
}
printTable(['1-D regression', 'RMSE (data)', 'σ in data', 'σ in gap', 'σ outside', 'seconds'], rows);
gridX.dispose();

// --- digits: accuracy and calibration of the same four --------------------------------------------
const [train, test] = dataset.split(loadDigits().data, [0.3, 0.7], 1);
const classifier = (seed: number, plugins: Plugin[], optimizer: 'adam' | 'sgd' = 'adam', learningRate = 0.005) =>
  new Trainer({ model: nn.sequential([nn.dense(64, { activation: 'relu' }), nn.dense(10)]), loss: 'softmaxCrossEntropy', optimizer: { name: optimizer, learningRate }, plugins, seed, progress: false });
const digitFit = { epochs: 30, batchSize: 32 };
const single = await trained(classifier(1, []), train!, digitFit.epochs);
const predictors: Array<[string, () => Promise<Ensemble>]> = [
  ['one net', async () => new Ensemble([(x) => nn.single(single.predict(x), 'one net')])],
  ['deep ensemble (5)', () => deepEnsemble({ members: 5, data: train!, fit: digitFit, makeTrainer: (seed) => classifier(seed, []) })],
  ['MC dropout (p = 0.5)', async () => sampledEnsemble(await trained(classifier(1, [dropout({ input: 0, hidden: 0.5 })]), train!, digitFit.epochs), { samples: 30 })],
  ['SVGD (5 particles)', async () => sampledEnsemble(await trained(classifier(1, [svgd({ particles: 5 })], 'sgd', 0.001), train!, digitFit.epochs), { samples: 30 })],
  ['Bayes by Backprop', async () => sampledEnsemble(await trained(classifier(1, [bayesByBackprop()]), train!, digitFit.epochs), { samples: 30 })],
];
const table: Array<Array<string | number>> = [];
for (const [label, make] of predictors) {
  const ensemble = await make();
  const report = ensemble.evaluate(test!);
  ensemble.dispose();
  table.push([label, report.ensemble.accuracy, report.ensemble.nll, report.ensemble.brier, report.ensemble.ece]);
}
printTable(['digits, 30 % for training', 'test accuracy', 'NLL', 'Brier', 'ECE'], table);
made.forEach((t) => t.dispose());
