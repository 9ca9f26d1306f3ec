// `pnpm demo`: what regularization is for, on the UCI digits. 30 % of the
// training labels are wrong (each replaced by another class, seeded): a
// plain MLP has the capacity to memorise them and does, which costs it on the
// clean test set; L², dropout with max-norm, and early stopping keep it from
// memorising and close most of that loss (seed §7.1, §7.8, §7.12). Means and
// standard deviations over 3 seeds; an HTML report of seed 0's runs (curves, gap, weights) with the table.
import { dataset, nn, Trainer, type History, type Plugin } from '@tikhonov/core';
import { loadDigits } from '@tikhonov/datasets';
import { dropout } from '@tikhonov/dropout';
import { earlyStopping } from '@tikhonov/early-stopping';
import { corruptLabels } from '@tikhonov/noise';
import { l2, maxNorm } from '@tikhonov/norm-penalties';
import { report, weightsOf, type ReportRun } from '@tikhonov/report';
import { writeReport } from '@tikhonov/report/node';
import * as tf from '@tensorflow/tfjs-core';
import { outPath, printTable, useFastestBackend } from './shared.js';

console.log(`backend: ${await useFastestBackend()} (the fastest that starts here: native, then wasm, then cpu)`);
const [trainClean, validationClean, test] = dataset.split(loadDigits().data, [0.3, 0.2, 0.5], 0);
const noisy = corruptLabels(trainClean!, { rate: 0.3, classes: 10, seed: 1 });
const validation = corruptLabels(validationClean!, { rate: 0.3, classes: 10, seed: 2 }).data;
const flipped = Array.from(noisy.flipped); // the rows whose label was changed
console.log(`digits: ${noisy.data.size} training examples (${flipped.length} with a wrong label), ${validation.size} validation (labels as noisy), ${test!.size} test (clean)\n`);

const runs: Array<{ label: string; plugins: () => Plugin[] }> = [
  { label: 'plain', plugins: () => [] },
  { label: 'l2(1e-2)', plugins: () => [l2({ alpha: 1e-2 })] },
  { label: 'dropout(0.2, 0.5) + maxNorm(3)', plugins: () => [dropout({ input: 0.2, hidden: 0.5 }), maxNorm({ c: 3 })] },
  { label: 'early stopping (patience 5)', plugins: () => [earlyStopping({ patience: 5 })] },
];
const seeds = [0, 1, 2];
const stats = (v: number[]) => {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return `${mean.toFixed(3)} ± ${Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)).toFixed(3)}`;
};

const started = performance.now();
const rows: Array<Array<string | number>> = [];
const reported: ReportRun[] = [];
for (const run of runs) {
  const train: number[] = [];
  const testAccuracy: number[] = [];
  const memorised: number[] = [];
  let seedZero: { history: History; weights: Record<string, Float32Array> } | undefined;
  for (const seed of seeds) {
    const trainer = new Trainer({
      model: nn.sequential([nn.dense(256, { activation: 'relu' }), nn.dense(256, { activation: 'relu' }), nn.dense(10)]),
      loss: 'softmaxCrossEntropy',
      optimizer: { name: 'momentum', learningRate: 0.05 },
      plugins: run.plugins(),
      seed,
      progress: false,
    });
    const history = await trainer.fit(noisy.data, { epochs: 60, batchSize: 32, validation: { data: validation } });
    train.push((await trainer.evaluate(noisy.data)).accuracy!);
    testAccuracy.push((await trainer.evaluate(test!)).accuracy!);
    // of the wrongly labelled training examples, the share the net predicts with their wrong label
    const predicted = tf.tidy(() => Array.from(tf.argMax(trainer.predict(noisy.data.x) as tf.Tensor, -1).dataSync()));
    const labels = Array.from((noisy.data.y as tf.Tensor).dataSync());
    memorised.push(flipped.filter((i) => predicted[i] === labels[i]).length / flipped.length);
    if (seed === 0) seedZero = { history, weights: await weightsOf(trainer.params.all) };
    trainer.dispose();
  }
  rows.push([run.label, stats(train), stats(testAccuracy), stats(memorised)]);
  reported.push({ name: run.label, ...seedZero!, metrics: { 'train acc, 3 seeds': stats(train), 'test acc, 3 seeds': stats(testAccuracy), 'wrong labels memorised, 3 seeds': stats(memorised) } });
}

printTable(['run (3 seeds)', 'train acc (noisy labels)', 'test acc (clean)', 'wrong labels memorised'], rows);
console.log(`\n${((performance.now() - started) / 1000).toFixed(1)} s of training`);
const path = outPath('demo-report.html');
writeReport(path, await report(reported, { title: 'digits MLP, 30 % wrong labels: plain vs regularized (curves and weights of seed 0)' }));
console.log(`report: ${path}`);
