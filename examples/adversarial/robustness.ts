// Accuracy against ε for four ways of training the same net on the digits:
// plain, Goodfellow et al.'s FGSM adversarial training, Madry et al.'s PGD
// training and TRADES — attacked with FGSM and PGD-10 (a defence has to be
// judged by the strong attack, seed §7.13 and Carlini et al. 2019), as a
// table and an SVG curve, with the gradient-masking checks' warnings.

import { nn, Trainer, type Plugin } from '@tikhonov/core';
import { loadDigits, trainValidationTest } from '@tikhonov/datasets';
import { adversarialTraining, fgsm, madry, pgd, robustness, robustnessSvg, robustnessTable, trades, type RobustnessReport } from '@tikhonov/adversarial';
import { useFastestBackend, writeOut } from '../shared.js';

console.log(`backend: ${await useFastestBackend()}`);
const { train, test } = trainValidationTest(loadDigits().data, { validation: 0.1, test: 0.3, seed: 1 });
const epsilon = 0.1;
const range: [number, number] = [0, 1];
const runs: Array<[string, Plugin[]]> = [
  ['plain', []],
  ['Goodfellow (FGSM, α = 0.5)', [adversarialTraining({ attack: fgsm({ epsilon, range }) })]],
  ['Madry (PGD-5)', [madry({ attack: pgd({ epsilon, steps: 5, range }) })]],
  ['TRADES (β = 3, PGD-5)', [trades({ beta: 3, attack: pgd({ epsilon, steps: 5, randomStart: false, range }) })]],
];
const attacks = [fgsm({ epsilon, range }), pgd({ epsilon, steps: 10, range })];
const reports: Array<{ label: string; report: RobustnessReport }> = [];
for (const [label, plugins] of runs) {
  const start = performance.now();
  const trainer = new Trainer({ model: nn.sequential([nn.dense(128, { activation: 'relu' }), nn.dense(10)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'adam', learningRate: 0.003 }, plugins, seed: 0, progress: false });
  await trainer.fit(train, { epochs: 30, batchSize: 64 });
  const report = robustness(trainer, test, { attacks, epsilons: [0, 0.05, 0.1, 0.15, 0.2] });
  console.log(`\n${label} (trained in ${((performance.now() - start) / 1000).toFixed(1)} s)\n${robustnessTable(report)}`);
  reports.push({ label, report });
  trainer.dispose();
}
console.log(`\ncurves: ${writeOut('robustness.svg', robustnessSvg(reports, { title: `digits: accuracy under attack (trained at ε = ${epsilon})` }))}`);

