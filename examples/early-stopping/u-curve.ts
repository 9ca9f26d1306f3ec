// Early stopping: the U-shaped validation curve of the lectures' order-12
// polynomial fit (10 points), with the chosen i* marked (SVG); then
// Algorithms 7.1, 7.2 and 7.3 compared on the digits.
import { dataset, learningCurvesSvg, nn, Trainer, type Plugin } from '@tikhonov/core';
import { loadDigits, polynomialRegression } from '@tikhonov/datasets';
import { continueUntil, earlyStopping, retrainOnAll, type EarlyStoppingReport } from '@tikhonov/early-stopping';
import { printTable, useCpu, writeOut } from '../shared.js';

await useCpu();
const train = polynomialRegression({ examples: 10, seed: 1 });
const valid = polynomialRegression({ examples: 60, seed: 2 });
const poly = new Trainer({ model: nn.dense(1), loss: 'mse', optimizer: { name: 'adam', learningRate: 0.01 }, plugins: [earlyStopping({ patience: 20 })], progress: false, logEvery: 5 });
const history = await poly.fit(train.data, { epochs: 5000, batchSize: 10, validation: { data: valid.data, every: { steps: 5 } } });
const report = history.notes.earlyStopping as EarlyStoppingReport;
const svg = learningCurvesSvg(
  [
    { label: 'train loss', points: history.logs.map((r) => [r.step!, r.loss!] as const) },
    { label: 'validation loss', points: history.evaluations.map((r) => [r.step!, r['val.loss']!] as const), dashed: true },
  ],
  { title: 'order-12 polynomial, 10 points: early stopping', xLabel: 'step', yLabel: 'mean squared error', markers: [{ x: report.bestStep!, label: `i* = ${report.bestStep}` }] },
);
console.log(`U-shaped validation curve: best val.loss ${report.bestValue!.toFixed(4)} at i* = ${report.bestStep}; ${report.reason}; θ* restored: ${report.restored}`);
console.log(`plot: ${writeOut('early-stopping-u-curve.svg', svg)}\n`);
poly.dispose();

// The three algorithms on the digits (70% for training, 30% held-out test).
const [all, test] = dataset.split(loadDigits().data, [0.7, 0.3], 3);
const create = (extra: Plugin[]) =>
  new Trainer({ model: nn.sequential([nn.dense(64, { activation: 'relu' }), nn.dense(10)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'adam', learningRate: 0.01 }, plugins: extra, seed: 0, progress: false });
const common = { train: all!, maxEpochs: 40, batchSize: 64, earlyStopping: { patience: 3 } };

const [subtrain, validation] = dataset.split(all!, [0.8, 0.2], 0);
const a71 = create([earlyStopping({ patience: 3 })]);
const h71 = await a71.fit(subtrain!, { epochs: 40, batchSize: 64, validation: { data: validation! } });
const r71 = h71.notes.earlyStopping as EarlyStoppingReport;
const a72 = await retrainOnAll(create, common);
const a73 = await continueUntil(create, { ...common, maxSteps: 200, checkEvery: 10 });
printTable(
  ['algorithm', 'trained on', 'steps', 'test accuracy', 'note'],
  [
    ['7.1 early stopping', `${subtrain!.size} (subtrain)`, String(r71.bestStep), (await a71.evaluate(test!)).accuracy!, `i* = ${r71.bestStep}, θ* restored`],
    ['7.2 retrain on all', `${all!.size} (all)`, String(a72.retrained.steps), (await a72.trainer.evaluate(test!)).accuracy!, `${a72.retrained.epochs} epochs, as i* = ${a72.firstRun.bestStep} on subtrain`],
    ['7.3 continue until ε', `${all!.size} (all)`, `${a73.firstRun.bestStep} + ${a73.continuedSteps}`, (await a73.trainer.evaluate(test!)).accuracy!, `ε = ${a73.target.toFixed(4)} ${a73.reached ? 'reached' : 'not reached within 200 steps'}`],
  ],
);
