import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nn, Trainer, type Plugin } from '@tikhonov/core';
import { gaussianBlobs } from '@tikhonov/datasets';
import { activityL1, klSparsity, l2, orthogonalMatchingPursuit, tying, weightDecay } from '@tikhonov/norm-penalties';

const params = (t: Trainer) => t.model.params.map((p) => Array.from(p.variable.dataSync()));
const maxGap = (a: number[][], b: number[][]) => Math.max(...a.map((row, i) => Math.max(...row.map((v, j) => Math.abs(v - b[i]![j]!)))));

describe('weightDecay (decoupled) vs l2', () => {
  const run = async (optimizer: 'sgd' | 'adam', plugin: Plugin) => {
    const t = new Trainer({ model: nn.sequential([nn.dense(8, { activation: 'tanh' }), nn.dense(3)]), loss: 'softmaxCrossEntropy', optimizer: { name: optimizer, learningRate: 0.05 }, plugins: [plugin], seed: 1, progress: false });
    await t.fit(gaussianBlobs({ examples: 60, features: 4, seed: 3 }), { epochs: 4, batchSize: 10 });
    const p = params(t);
    t.dispose();
    return p;
  };

  it('with plain SGD it equals l2 (same numbers up to float rounding)', async () => {
    const decayed = await run('sgd', weightDecay({ rate: 0.1 }));
    const penalised = await run('sgd', l2({ alpha: 0.1 }));
    expect(maxGap(decayed, penalised)).toBeLessThan(1e-5);
  });

  it('with Adam it does not (the L² gradient is rescaled by Adam, the decay is not)', async () => {
    const decayed = await run('adam', weightDecay({ rate: 0.1 }));
    const penalised = await run('adam', l2({ alpha: 0.1 }));
    expect(maxGap(decayed, penalised)).toBeGreaterThan(1e-3);
  });
});

describe('tying (seed §7.8)', () => {
  it('pulls two towers’ weights together', async () => {
    const model = () => nn.multiHead(nn.dense(6, { activation: 'tanh', name: 'trunk' }), { a: nn.dense(3, { name: 'towerA' }), b: nn.dense(3, { name: 'towerB' }) });
    const data = gaussianBlobs({ examples: 60, features: 4, seed: 4 });
    const labels = data.y as tf.Tensor;
    const y = { a: labels, b: tf.tidy(() => tf.mod(tf.add(labels, 1), 3)) };
    const gap = async (plugins: Plugin[]) => {
      const t = new Trainer({ model: model(), loss: { a: 'softmaxCrossEntropy', b: 'softmaxCrossEntropy' }, optimizer: { name: 'sgd', learningRate: 0.1 }, plugins, seed: 2, progress: false });
      await t.fit({ ...data, y }, { epochs: 20, batchSize: 20 });
      const d = tf.norm(tf.sub(t.params.get('towerA/kernel').variable, t.params.get('towerB/kernel').variable)).dataSync()[0]!;
      t.dispose();
      return d;
    };
    const free = await gap([]);
    const tied = await gap([tying({ pairs: [[{ names: ['towerA'] }, { names: ['towerB'] }]], alpha: 1 })]);
    expect(tied).toBeLessThan(0.25 * free);
  });
});

describe('sparse representations (seed §7.9)', () => {
  const zeroFraction = (t: Trainer, x: tf.Tensor) =>
    tf.tidy(() => {
      const h = tf.relu(tf.add(tf.matMul(x, t.params.get('dense_1/kernel').variable), t.params.get('dense_1/bias').variable));
      return tf.mean(tf.cast(tf.equal(h, 0), 'float32')).dataSync()[0]!;
    });

  it('activityL1 raises the fraction of exactly-zero hidden activations', async () => {
    const data = gaussianBlobs({ examples: 120, features: 8, seed: 6 });
    const run = async (plugins: Plugin[]) => {
      const t = new Trainer({ model: nn.sequential([nn.dense(32, { activation: 'relu' }), nn.dense(3)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'adam', learningRate: 0.01 }, plugins, seed: 3, progress: false, logEvery: 10 });
      await t.fit(data, { epochs: 15, batchSize: 20 });
      const f = zeroFraction(t, data.x);
      const acc = (await t.evaluate(data)).accuracy!;
      const reported = t.history.logs.at(-1)!['activityL1.zeroFraction'];
      t.dispose();
      return { f, acc, reported };
    };
    const plain = await run([]);
    const sparse = await run([activityL1({ alpha: 0.05 })]);
    expect(sparse.f).toBeGreaterThan(plain.f + 0.2);
    expect(sparse.acc).toBeGreaterThan(0.9);
    expect(sparse.reported).toBeGreaterThan(plain.f);
  });

  it('klSparsity drives sigmoid units’ mean activation towards the target ρ', async () => {
    const data = gaussianBlobs({ examples: 120, features: 8, seed: 7 });
    const meanActivation = async (plugins: Plugin[]) => {
      const t = new Trainer({ model: nn.sequential([nn.dense(16, { activation: 'sigmoid' }), nn.dense(3)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'adam', learningRate: 0.02 }, plugins, seed: 1, progress: false });
      await t.fit(data, { epochs: 20, batchSize: 20 });
      const m = tf.tidy(() => tf.mean(tf.sigmoid(tf.add(tf.matMul(data.x, t.params.get('dense_1/kernel').variable), t.params.get('dense_1/bias').variable))).dataSync()[0]!);
      t.dispose();
      return m;
    };
    const plain = await meanActivation([]);
    const sparse = await meanActivation([klSparsity({ target: 0.05, alpha: 0.5 })]);
    expect(Math.abs(sparse - 0.05)).toBeLessThan(Math.abs(plain - 0.05) / 3);
  });

  it('orthogonal matching pursuit recovers a k-sparse code from an orthogonal dictionary exactly', () => {
    // orthonormal dictionary: normalised Hadamard matrix of order 8 (columns are atoms)
    const H2 = [[1, 1], [1, -1]];
    const kron = (A: number[][], B: number[][]) => A.flatMap((ra) => B.map((rb) => ra.flatMap((a) => rb.map((b) => a * b))));
    const W = kron(kron(H2, H2), H2).map((r) => r.map((v) => v / Math.sqrt(8)));
    const h = [0, 1.5, 0, 0, -0.7, 0, 0.2, 0];
    const x = W.map((row) => row.reduce((s, w, j) => s + w * h[j]!, 0));
    const code = orthogonalMatchingPursuit(x, W, 3);
    code.forEach((v, i) => expect(v).toBeCloseTo(h[i]!, 12));
    expect(code.filter((v) => v !== 0)).toHaveLength(3);
    // with k = 2 it keeps the two largest atoms
    const two = orthogonalMatchingPursuit(x, W, 2);
    expect(Array.from(two, (v, i) => (v !== 0 ? i : -1)).filter((i) => i >= 0)).toEqual([1, 4]);
  });
});
