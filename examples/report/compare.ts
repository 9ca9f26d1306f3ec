// `pnpm example report/compare`: two runs on the UCI digits — a plain MLP and the same with L² and early stopping —
// as one HTML report: the comparison table, loss curves with i* marked, the generalization gap, the reported numbers
// and the first layer's weight histograms. Opens in any browser; no scripts, no external files.
import { dataset, nn, Trainer, type Plugin } from '@tikhonov/core';
import { loadDigits } from '@tikhonov/datasets';
import { earlyStopping } from '@tikhonov/early-stopping';
import { l2 } from '@tikhonov/norm-penalties';
import { report, weightsOf, type ReportRun } from '@tikhonov/report';
import { writeReport } from '@tikhonov/report/node';
import { outPath, useFastestBackend } from '../shared.js';

console.log(`backend: ${await useFastestBackend()}`);
const [train, validation, test] = dataset.split(loadDigits().data, [0.2, 0.2, 0.6], 0);
const runs: ReportRun[] = [];
for (const [name, plugins] of [
  ['plain', []],
  ['l2(1e-3) + early stopping', [l2({ alpha: 1e-3 }), earlyStopping({ patience: 5 })]],
] as Array<[string, Plugin[]]>) {
  const trainer = new Trainer({ model: nn.sequential([nn.dense(128, { activation: 'relu' }), nn.dense(10)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'adam', learningRate: 0.003 }, plugins, seed: 0, progress: false });
  const history = await trainer.fit(train!, { epochs: 60, batchSize: 32, validation: { data: validation! } });
  const { accuracy } = await trainer.evaluate(test!);
  runs.push({ name, history, metrics: { 'test accuracy': accuracy! }, weights: await weightsOf(trainer.params.all) });
  console.log(`${name}: test accuracy ${accuracy!.toFixed(3)}, stopped by ${history.stop!.by} at step ${history.stop!.step}`);
  trainer.dispose();
}
const path = outPath('report-compare.html');
writeReport(path, await report(runs, { title: 'digits: plain vs l2 + early stopping' }));
console.log(`report: ${path}`);
