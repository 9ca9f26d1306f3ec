// Bagging on the UCI digits (seed §7.10): 7 members, each on its own
// bootstrap sample of 30 % of the data; each member's test accuracy, the
// ensemble's (mean of probabilities and majority vote), and the out-of-bag
// estimate of the ensemble's error next to its test error.
import { dataset, nn, Trainer } from '@tikhonov/core';
import { loadDigits } from '@tikhonov/datasets';
import { bagging, Ensemble } from '@tikhonov/ensembles';
import { printTable, useFastestBackend } from '../shared.js';

console.log(`backend: ${await useFastestBackend()}`);
const [train, test] = dataset.split(loadDigits().data, [0.3, 0.7], 1);
const { ensemble, outOfBag } = await bagging({
  members: 7,
  data: train!,
  seed: 1,
  fit: { epochs: 30, batchSize: 32 },
  makeTrainer: (seed) => new Trainer({ model: nn.sequential([nn.dense(64, { activation: 'relu' }), nn.dense(10)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'adam', learningRate: 0.005 }, seed, progress: false }),
});
const report = ensemble.evaluate(test!);
const vote = new Ensemble([...ensemble.members], { combine: 'vote' }).evaluate(test!);
const rows: Array<Array<string | number>> = report.members.map((m, i) => [`member ${i + 1}`, m.accuracy, m.nll, m.ece]);
rows.push(['ensemble (mean)', report.ensemble.accuracy, report.ensemble.nll, report.ensemble.ece]);
rows.push(['ensemble (vote)', vote.ensemble.accuracy, Number.NaN, Number.NaN]);
printTable(['digits, 30 % for training', 'test accuracy', 'test NLL', 'ECE'], rows);
console.log(`out-of-bag error ${outOfBag.error.toFixed(4)} on ${outOfBag.covered} training examples; test error ${(1 - report.ensemble.accuracy).toFixed(4)}; mean member test error ${report.meanMemberError.toFixed(4)}`);
ensemble.dispose();
