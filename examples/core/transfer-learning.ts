// Transfer learning (decks 001 and 002): pre-train on a related task with
// plenty of data, replace the last layer, fine-tune on the small task.
//
// The two tasks share structure by construction: every input is x = zU + noise
// in 40 dimensions, carrying a 2-dimensional latent z. Task A (600 labels)
// measures z (a regression with two outputs); task B (10 labels) is a class
// boundary in the z-plane. The trunk learnt on A is copied into a model with a
// new head for B; the head is trained with the trunk frozen, then the trunk is
// unfrozen at a tenth of the rate (fastai's `fine_tune`). Compared with the
// same model trained on B's 10 labels from scratch, over 5 seeds.
//
// (On the embedded digits, pre-training on 0–4 does not help 5–9 with 25 labels:
// those tasks share too little, and 25 labels already reach ≈ 0.8 from scratch.)
import * as tf from '@tensorflow/tfjs-core';
import { HostRandom, nn, setLearningRate, Trainer, type Dataset } from '@tikhonov/core';
import { printTable, useFastestBackend } from '../shared.js';

console.log(`backend: ${await useFastestBackend()}`);
const dims = 40;

/** Inputs x = zU + 1.5·ε with z ~ N(0, I₂), U fixed by `world` (rows of norm 3); returns x and z. */
function draw(world: number, n: number, seed: number): { x: number[][]; z: number[][] } {
  const normal = (rng: HostRandom) => Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
  const u = new HostRandom(world);
  const U = [0, 1].map(() => {
    const row = Array.from({ length: dims }, () => normal(u));
    const norm = Math.hypot(...row);
    return row.map((v) => (3 * v) / norm);
  });
  const rng = new HostRandom(seed);
  const z = Array.from({ length: n }, () => [normal(rng), normal(rng)]);
  return { z, x: z.map(([a, b]) => U[0]!.map((u0, d) => a! * u0 + b! * U[1]![d]! + 1.5 * normal(rng))) };
}
const measure = (z: number[]) => [z[0]! + 0.5 * z[1]!, z[1]! - 0.3 * z[0]!]; // task A
const boundary = (z: number[]) => (z[0]! - 2 * z[1]! > 0 ? 1 : 0); // task B

const model = (outputs: number) => nn.sequential([nn.dense(2, { name: 'trunk' }), nn.dense(outputs, { name: 'head' })]);
const trainer = (outputs: number, loss: 'mse' | 'softmaxCrossEntropy', seed: number) =>
  new Trainer({ model: model(outputs), loss, optimizer: { name: 'adam', learningRate: 0.02 }, seed, progress: false, logEvery: 100_000 });
const fullBatch = (t: Trainer, data: Dataset, epochs: number) => t.fit(data, { epochs, batchSize: data.size, shuffle: false });

const rows: Array<Array<string | number>> = [];
for (const seed of [1, 2, 3, 4, 5]) {
  const big = draw(seed, 600, 100 + seed);
  const small = draw(seed, 10, 200 + seed);
  const test = draw(seed, 1000, 300 + seed);
  const classes = (s: typeof small): Dataset => ({ x: tf.tensor2d(s.x), y: tf.tensor1d(s.z.map(boundary), 'int32'), size: s.x.length });
  const testB = classes(test);
  const accuracy = async (t: Trainer) => (await t.evaluate(testB)).accuracy!;

  const pre = trainer(2, 'mse', seed);
  await fullBatch(pre, { x: tf.tensor2d(big.x), y: tf.tensor2d(big.z.map(measure)), size: big.x.length }, 300);

  const scratch = trainer(2, 'softmaxCrossEntropy', 100 + seed);
  await fullBatch(scratch, classes(small), 200);

  // replace the last layer: the same trunk, a new 2-class head; copy the trunk's params
  const transfer = trainer(2, 'softmaxCrossEntropy', 100 + seed);
  transfer.build([dims]);
  for (const name of ['trunk/kernel', 'trunk/bias']) transfer.params.get(name).variable.assign(pre.params.get(name).variable);
  transfer.freeze({ names: ['trunk'] });
  await fullBatch(transfer, classes(small), 200);
  const frozen = await accuracy(transfer);
  transfer.unfreeze({ names: ['trunk'] });
  setLearningRate(transfer.optimizer, 0.002);
  await fullBatch(transfer, classes(small), 300);

  rows.push([String(seed), await accuracy(scratch), frozen, await accuracy(transfer)]);
  for (const t of [pre, scratch, transfer]) t.dispose();
}
const mean = (j: number) => rows.reduce((s, r) => s + (r[j] as number), 0) / rows.length;
rows.push(['mean', mean(1), mean(2), mean(3)]);
console.log('\ntest accuracy on task B (10 labels)');
printTable(['seed', 'from scratch', 'pre-trained trunk, frozen', 'then fine-tuned'], rows);
