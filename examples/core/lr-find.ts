// The learning-rate range test (Smith 2017; fastai's lr_find) on the digits:
// the rate grows geometrically from 1e-6 to 1 over 100 batches while the
// loss is recorded; the plot shows the smoothed loss against log₁₀(rate) with
// the two suggestions; then a short fit at each suggestion and at a rate far
// from them. The trainer is left exactly as it was by the sweep.
import { dataset, learningCurvesSvg, lrFind, nn, Trainer } from '@tikhonov/core';
import { loadDigits } from '@tikhonov/datasets';
import { printTable, useFastestBackend, writeOut } from '../shared.js';

console.log(`backend: ${await useFastestBackend()}`);
const [train, test] = dataset.split(loadDigits().data, [0.5, 0.5], 1);
const make = (learningRate: number) =>
  new Trainer({ model: nn.sequential([nn.dense(64, { activation: 'relu' }), nn.dense(10)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'adam', learningRate }, seed: 1, progress: false });

const probe = make(1e-3);
const found = await lrFind(probe, train!, { start: 1e-6, end: 1, steps: 100, batchSize: 32 });
probe.dispose();
console.log(`${found.rates.length} steps${found.diverged ? ' (stopped: the loss diverged)' : ''}; valley ${found.valley.toExponential(1)}, steepest descent ${found.steepest.toExponential(1)}, minimum/10 ${found.minimumOverTen.toExponential(1)}`);
const svg = learningCurvesSvg(
  [
    { label: 'smoothed loss', points: found.rates.map((r, i) => [Math.log10(r), found.smoothed[i]!] as const) },
    { label: 'loss per batch', points: found.rates.map((r, i) => [Math.log10(r), found.losses[i]!] as const), color: '#bbbbbb', dots: true },
  ],
  {
    title: 'lrFind on the digits (Adam, batch 32)',
    xLabel: 'log10(learning rate)',
    yLabel: 'training loss',
    markers: [
      { x: Math.log10(found.valley), label: 'valley' },
      { x: Math.log10(found.steepest), label: 'steepest' },
      { x: Math.log10(found.minimumOverTen), label: 'min/10' },
    ],
  },
);
console.log(`plot: ${writeOut('lr-find.svg', svg)}`);

const rows: Array<Array<string | number>> = [];
for (const [label, rate] of [['valley', found.valley], ['steepest', found.steepest], ['minimum/10', found.minimumOverTen], ['1e-5 (far below)', 1e-5]] as const) {
  const t = make(rate);
  await t.fit(train!, { epochs: 5, batchSize: 32 });
  rows.push([label, rate.toExponential(1), (await t.evaluate(test!)).accuracy!]);
  t.dispose();
}
printTable(['5 epochs at', 'rate', 'test accuracy'], rows);
