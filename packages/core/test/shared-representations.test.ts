// Seed §7.12 and decks 000/001/002: a representation shared between tasks, or
// between labelled and unlabelled data, or learnt on one task and reused on
// another, regularises when data are few and the tasks share structure. The
// data are synthetic so the shared structure is known: inputs x = zU + noise
// in 40 dimensions carry a 2-dimensional latent z, and every task reads z.
// Each claim is a comparison over five seeds, asserted as a mean difference
// of more than three standard errors, with the numbers printed.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { HostRandom, nn, setLearningRate, Trainer, type Dataset, type LossSpec, type Module } from '@tikhonov/core';

const D = 40;
const SEEDS = [1, 2, 3, 4, 5];

/** n standard normal draws (Box–Muller). */
function normals(rng: HostRandom, n: number): number[] {
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform()));
}

/** A latent world: U (2 × dims, rows of norm 3) fixed by `seed`, examples x = zU + noise·ε. */
function world(seed: number, noise: number, dims = D) {
  const rng = new HostRandom(1000 + seed);
  const U = [normals(rng, dims), normals(rng, dims)].map((row) => {
    const norm = Math.sqrt(row.reduce((s, v) => s + v * v, 0));
    return row.map((v) => (3 * v) / norm);
  });
  const sample = (n: number, drawSeed: number, shift: (i: number) => [number, number] = () => [0, 0]) => {
    const r = new HostRandom(drawSeed);
    const z = Array.from({ length: n }, (_, i) => normals(r, 2).map((v, k) => v + shift(i)[k]!));
    const x = z.map((zi) => U[0]!.map((u0, d) => zi[0]! * u0 + zi[1]! * U[1]![d]! + noise * normals(r, 1)[0]!));
    return { z, x };
  };
  return { sample };
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const standardError = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + (x - mean(v)) ** 2, 0) / (v.length - 1) / v.length);

/** Asserts `better` beats `worse` on average by more than three standard errors of the paired difference, and prints both. */
function expectBetter(label: string, better: number[], worse: number[], lowerIsBetter: boolean): void {
  const diffs = better.map((b, i) => (lowerIsBetter ? worse[i]! - b : b - worse[i]!));
  console.log(`${label}: ${mean(better).toFixed(4)} ± ${standardError(better).toFixed(4)} vs ${mean(worse).toFixed(4)} ± ${standardError(worse).toFixed(4)} (mean ± s.e. over ${better.length} seeds; paired gain ${mean(diffs).toFixed(4)} ± ${standardError(diffs).toFixed(4)})`);
  expect(mean(diffs)).toBeGreaterThan(3 * standardError(diffs));
}

async function fitFullBatch(model: Module, loss: LossSpec, data: Dataset, seed: number, epochs: number): Promise<Trainer> {
  const t = new Trainer({ model, loss, optimizer: { name: 'adam', learningRate: 0.02 }, seed, progress: false, logEvery: 100_000 });
  await t.fit(data, { epochs, batchSize: data.size, shuffle: false });
  return t;
}

// Task A, with plenty of labels, reads all of z (two measurements of it, a regression); task B, with few, is a
// class boundary in the same plane.
const taskA = (z: number[]) => [z[0]! + 0.5 * z[1]!, z[1]! - 0.3 * z[0]!];
const taskB = (z: number[]) => (z[0]! - 2 * z[1]! > 0 ? 1 : 0);
const oneHot = (c: number, k: number) => Array.from({ length: k }, (_, j) => (j === c ? 1 : 0));
const trunk = () => nn.dense(2, { name: 'trunk' }); // linear: a 2-unit representation
/** Fraction of test examples whose argmax of `head` (or the single output) is `label(z)`. */
function accuracyOn(t: Trainer, test: { x: number[][]; z: number[][] }, label: (z: number[]) => number, head?: string): number {
  return tf.tidy(() => {
    const out = t.predict(tf.tensor2d(test.x));
    const logits = head ? (out as Record<string, tf.Tensor>)[head]! : (out as tf.Tensor);
    return Array.from(tf.argMax(logits, 1).dataSync()).filter((c, i) => c === label(test.z[i]!)).length / test.x.length;
  });
}

describe('multi-task learning (seed §7.12, decks 000 and 002)', () => {
  it('a trunk shared with task A (300 labelled measurements of z) beats training task B alone on its 10 labels: higher test accuracy on B', async () => {
    const multi: number[] = [];
    const single: number[] = [];
    for (const seed of SEEDS) {
      const { sample } = world(seed, 1.5);
      const pool = sample(300, 3000 + seed);
      const test = sample(1000, 4000 + seed);
      const labelled = 10;
      // B's labels are known for the first 10 examples only: an all-zero target row adds nothing to the cross-entropy
      const data: Dataset = {
        x: tf.tensor2d(pool.x),
        y: { a: tf.tensor2d(pool.z.map(taskA)), b: tf.tensor2d(pool.z.map((z, i) => (i < labelled ? oneHot(taskB(z), 2) : [0, 0]))) },
        size: pool.x.length,
      };
      const tm = await fitFullBatch(nn.multiHead(trunk(), { a: nn.dense(2, { name: 'headA' }), b: nn.dense(2, { name: 'headB' }) }), { a: 'mse', b: 'softmaxCrossEntropy' }, data, seed, 600);
      multi.push(accuracyOn(tm, test, taskB, 'b'));
      tm.dispose();
      const alone: Dataset = { x: tf.tensor2d(pool.x.slice(0, labelled)), y: tf.tensor1d(pool.z.slice(0, labelled).map(taskB), 'int32'), size: labelled };
      const ts = await fitFullBatch(nn.sequential([trunk(), nn.dense(2, { name: 'headB' })]), 'softmaxCrossEntropy', alone, seed, 300);
      single.push(accuracyOn(ts, test, taskB));
      ts.dispose();
    }
    expectBetter('multi-task, test accuracy on task B (shared with A: 300 labels; B: 10 labels) vs B alone', multi, single, false);
  });
});

describe('semi-supervised learning (deck 002)', () => {
  it('a trunk shared with a reconstruction head over 400 unlabelled inputs beats the supervised head alone on 10 labels: higher test accuracy', async () => {
    const semi: number[] = [];
    const supervised: number[] = [];
    for (const seed of SEEDS) {
      // noisier inputs in 100 dimensions: the few labels alone pick spurious directions, while the inputs' main
      // direction of variation is the class axis z₁ (the cluster assumption), which a one-unit code finds
      const { sample } = world(seed, 1.5, 100);
      // two classes at z₁ = ±1.5; the labels of the first 10 examples are known
      const cls = (z: number[]) => (z[0]! > 0 ? 1 : 0);
      const centre = (i: number): [number, number] => [i % 2 ? 1.5 : -1.5, 0];
      const labelled = 10;
      const pool = sample(400 + labelled, 7000 + seed, centre);
      const test = sample(1000, 8000 + seed, centre);
      const byCentre = (i: number) => i % 2; // the class each example was drawn from
      const semiData: Dataset = {
        x: tf.tensor2d(pool.x),
        y: { recon: tf.tensor2d(pool.x), cls: tf.tensor2d(pool.x.map((_, i) => (i < labelled ? oneHot(byCentre(i), 2) : [0, 0]))) },
        size: pool.x.length,
      };
      const semiModel = nn.multiHead(nn.dense(1, { name: 'trunk' }), { recon: nn.dense(100, { name: 'decoder' }), cls: nn.dense(2, { name: 'classifier' }) });
      const ts = await fitFullBatch(semiModel, { recon: 'mse', cls: 'softmaxCrossEntropy' }, semiData, seed, 600);
      const testLabel = (z: number[]) => cls(z);
      semi.push(accuracyOn(ts, test, testLabel, 'cls'));
      ts.dispose();
      const supData: Dataset = { x: tf.tensor2d(pool.x.slice(0, labelled)), y: tf.tensor1d(pool.x.slice(0, labelled).map((_, i) => byCentre(i)), 'int32'), size: labelled };
      const tl = await fitFullBatch(nn.sequential([nn.dense(1, { name: 'trunk' }), nn.dense(2, { name: 'classifier' })]), 'softmaxCrossEntropy', supData, seed, 400);
      supervised.push(accuracyOn(tl, test, testLabel));
      tl.dispose();
    }
    expectBetter('semi-supervised, test accuracy (10 labels + 400 unlabelled vs 10 labels)', semi, supervised, false);
  });
});

describe('transfer learning (decks 001 and 002)', () => {
  it('a trunk pre-trained on task A (600 labelled measurements of z), its last layer replaced and fine-tuned on task B’s 10 labels (frozen or not), beats training from scratch', async () => {
    const results = { frozen: [] as number[], unfrozen: [] as number[], scratch: [] as number[] };
    for (const seed of SEEDS) {
      const { sample } = world(seed, 1.5);
      const big = sample(600, 9000 + seed);
      const small = sample(10, 9100 + seed);
      const test = sample(1000, 9200 + seed);
      const data = (s: { x: number[][]; z: number[][] }, label: (z: number[]) => number): Dataset => ({ x: tf.tensor2d(s.x), y: tf.tensor1d(s.z.map(label), 'int32'), size: s.x.length });
      const pre = await fitFullBatch(nn.sequential([trunk(), nn.dense(2, { name: 'headA' })]), 'mse', { x: tf.tensor2d(big.x), y: tf.tensor2d(big.z.map(taskA)), size: big.x.length }, seed, 300);
      const fresh = () => {
        // the same trunk, a new last layer for B's two classes
        const t = new Trainer({ model: nn.sequential([trunk(), nn.dense(2, { name: 'headB' })]), loss: 'softmaxCrossEntropy', optimizer: { name: 'adam', learningRate: 0.02 }, seed: 100 + seed, progress: false, logEvery: 100_000 });
        t.build([D]);
        return t;
      };
      const smallData = data(small, taskB);
      const scratch = fresh();
      await scratch.fit(smallData, { epochs: 200, batchSize: 10, shuffle: false });
      results.scratch.push(accuracyOn(scratch, test, taskB));
      scratch.dispose();
      // transfer: copy the trunk, train the new head with the trunk frozen; then (fastai's fine_tune) unfreeze and
      // go on at a tenth of the rate, so ten labels adjust the trunk rather than overwrite it
      const t = fresh();
      for (const name of ['trunk/kernel', 'trunk/bias']) t.params.get(name).variable.assign(pre.params.get(name).variable);
      t.freeze({ names: ['trunk'] });
      await t.fit(smallData, { epochs: 200, batchSize: 10, shuffle: false });
      results.frozen.push(accuracyOn(t, test, taskB));
      t.unfreeze({ names: ['trunk'] });
      setLearningRate(t.optimizer, 0.002);
      await t.fit(smallData, { epochs: 300, batchSize: 10, shuffle: false });
      results.unfrozen.push(accuracyOn(t, test, taskB));
      t.dispose();
      pre.dispose();
    }
    expectBetter('transfer, frozen pre-trained trunk vs from scratch (test accuracy on task B, 10 labels)', results.frozen, results.scratch, false);
    expectBetter('transfer, fine-tuned pre-trained trunk vs from scratch', results.unfrozen, results.scratch, false);
  });
});
