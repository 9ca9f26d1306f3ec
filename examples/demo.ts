// `pnpm demo`: an MLP on the UCI digits, trained plainly and with the repo's
// regularizers; prints accuracy, the generalization gap and the largest unit
// norm (what max-norm caps) of each and writes learning curves as SVG.
import { learningCurvesSvg, nn, Trainer, type Plugin } from '@tikhonov/core';
import { loadDigits, trainValidationTest } from '@tikhonov/datasets';
import { dropout } from '@tikhonov/dropout';
import { l2, maxNorm } from '@tikhonov/norm-penalties';
import { largestUnitNorm, printTable, useCpu, writeOut } from './shared.js';

await useCpu();
const { data } = loadDigits();
// A small training set (30%) makes overfitting visible.
const { train, validation, test } = trainValidationTest(data, { validation: 0.2, test: 0.5, seed: 0 });
console.log(`digits: ${train.size} train, ${validation.size} validation, ${test.size} test examples (8×8 pixels, 10 classes)\n`);

// max-norm at c = 2: unconstrained, this net's largest unit norm stays at
// 2.6–2.8 (the table's 'largest unit norm' column), so the usual c = 3 would
// never act here
const runs: Array<{ label: string; plugins: Plugin[] }> = [
  { label: 'plain', plugins: [] },
  { label: 'l2(3e-3) + maxNorm(2)', plugins: [l2({ alpha: 3e-3 }), maxNorm({ c: 2 })] },
  { label: 'dropout(0.1, 0.5) + maxNorm(2)', plugins: [dropout({ input: 0.1, hidden: 0.5 }), maxNorm({ c: 2 })] },
];

const rows: Array<Array<string | number>> = [];
const curves = [];
for (const run of runs) {
  const trainer = new Trainer({
    model: nn.sequential([nn.dense(128, { activation: 'relu' }), nn.dense(128, { activation: 'relu' }), nn.dense(10)]),
    loss: 'softmaxCrossEntropy',
    optimizer: { name: 'momentum', learningRate: 0.05 },
    plugins: run.plugins,
    seed: 0,
  });
  const started = performance.now();
  const history = await trainer.fit(train, { epochs: 40, batchSize: 32, validation: { data: validation } });
  const seconds = (performance.now() - started) / 1000;
  const [tr, va, te] = [await trainer.evaluate(train), await trainer.evaluate(validation), await trainer.evaluate(test)];
  rows.push([run.label, tr.accuracy!, va.accuracy!, te.accuracy!, tr.accuracy! - te.accuracy!, te.loss!, largestUnitNorm(trainer), `${seconds.toFixed(1)} s`]);
  curves.push(
    { label: `${run.label}: train`, points: history.epochs.map((r) => [r.epoch!, r.loss!] as const), dashed: false },
    { label: `${run.label}: validation`, points: history.epochs.map((r) => [r.epoch!, r['val.loss']!] as const), dashed: true },
  );
  trainer.dispose();
}

printTable(['run', 'train acc', 'val acc', 'test acc', 'gap (train−test)', 'test loss', 'largest unit norm', 'time'], rows);
const path = writeOut('demo-learning-curves.svg', learningCurvesSvg(curves, { title: 'digits MLP: loss per epoch', xLabel: 'epoch', yLabel: 'cross-entropy' }));
console.log(`\nlearning curves: ${path}`);
