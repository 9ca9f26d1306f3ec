import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nn, Order, Trainer, type Plugin } from '@tikhonov/core';
import { checkPlugin } from '@tikhonov/core/testing';
import { loadDigits } from '@tikhonov/datasets';
import { corruptLabels, gradientNoise, gradientNoiseVariance, hiddenNoise, inputNoise, jacobianPenalty, labelNoise, labelSmoothing, weightNoise } from '@tikhonov/noise';

/** A plugin that records the batch the step trains on (after earlier transforms). */
function batchTap(store: Array<{ x: number[]; y: number[] }>): Plugin {
  return { name: 'batchTap', apiVersion: 2, order: Order.adversarial + 1, transformBatch: (b) => (store.push({ x: Array.from(b.x.dataSync()), y: Array.from((b.y as tf.Tensor).dataSync()) }), b) };
}

describe('label smoothing (deck 000)', () => {
  it('targets are exactly ε/k and 1 − (k−1)ε/k and each row sums to 1, from class ids or one-hot rows', async () => {
    const epsilon = 0.1;
    const k = 3;
    for (const y of [tf.tensor1d([0, 2, 1, 2], 'int32'), tf.oneHot(tf.tensor1d([0, 2, 1, 2], 'int32'), 3)]) {
      const seen: Array<{ x: number[]; y: number[] }> = [];
      const t = new Trainer({ model: nn.dense(k), loss: 'softmaxCrossEntropy', plugins: [labelSmoothing({ epsilon }), batchTap(seen)], progress: false });
      await t.fit({ x: tf.ones([4, 2]), y, size: 4 }, { epochs: 1, batchSize: 4, shuffle: false });
      const rows = Array.from({ length: 4 }, (_, i) => seen[0]!.y.slice(i * k, i * k + k));
      const ids = [0, 2, 1, 2];
      rows.forEach((row, i) => {
        row.forEach((v, j) => expect(v).toBeCloseTo(j === ids[i] ? 1 - ((k - 1) * epsilon) / k : epsilon / k, 7));
        expect(row.reduce((a, b) => a + b)).toBeCloseTo(1, 6);
      });
      t.dispose();
    }
  });

  it("spread 'others' (deck 002): targets are exactly ε/(k−1) and 1 − ε, rows sum to 1; a bad spread is refused naming it", async () => {
    const epsilon = 0.2;
    const k = 5;
    const ids = [4, 0, 2];
    const seen: Array<{ x: number[]; y: number[] }> = [];
    const t = new Trainer({ model: nn.dense(k), loss: 'softmaxCrossEntropy', plugins: [labelSmoothing({ epsilon, spread: 'others' }), batchTap(seen)], progress: false });
    await t.fit({ x: tf.ones([3, 2]), y: tf.tensor1d(ids, 'int32'), size: 3 }, { epochs: 1, batchSize: 3, shuffle: false });
    ids.forEach((id, i) => {
      const row = seen[0]!.y.slice(i * k, i * k + k);
      row.forEach((v, j) => expect(v).toBeCloseTo(j === id ? 1 - epsilon : epsilon / (k - 1), 7));
      expect(row.reduce((a, b) => a + b)).toBeCloseTo(1, 6);
    });
    t.dispose();
    expect(() => labelSmoothing({ epsilon, spread: 'some' as never })).toThrow(/spread.*some.*'all'.*'others'/s);
  });

  it('refuses regression targets with a clear error', async () => {
    const t = new Trainer({ model: nn.dense(1), loss: 'mse', plugins: [labelSmoothing({ epsilon: 0.1 })], progress: false });
    await expect(t.fit({ x: tf.ones([4, 2]), y: tf.ones([4, 1]), size: 4 }, { epochs: 1 })).rejects.toThrow(/labelSmoothing needs class targets for an output of k ≥ 2 classes, but the output has shape \[1\]/);
    t.dispose();
  });
});

describe('noise statistics', () => {
  it('input noise: mean and std within 3σ, reproducible under the seed, absent at inference', async () => {
    const sigma = 0.5;
    const run = async () => {
      const seen: Array<{ x: number[]; y: number[] }> = [];
      const t = new Trainer({ model: nn.dense(2), loss: 'mse', optimizer: { name: 'sgd', learningRate: 1e-9 }, plugins: [inputNoise({ stddev: sigma }), batchTap(seen)], seed: 4, progress: false });
      const x = tf.zeros([200, 10]);
      await t.fit({ x, y: tf.zeros([200, 2]), size: 200 }, { epochs: 1, batchSize: 200 });
      const a = (t.predict(x) as tf.Tensor).dataSync();
      const b = (t.predict(x) as tf.Tensor).dataSync();
      expect(Array.from(a)).toEqual(Array.from(b));
      const bias = t.params.get('dense_1/bias').variable.dataSync();
      expect(Array.from(a.slice(0, 2))).toEqual(Array.from(bias));
      t.dispose();
      return seen[0]!.x;
    };
    const noise = await run();
    const n = noise.length;
    const mean = noise.reduce((s, v) => s + v, 0) / n;
    const variance = noise.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
    expect(Math.abs(mean)).toBeLessThan((3 * sigma) / Math.sqrt(n));
    expect(Math.abs(variance - sigma ** 2)).toBeLessThan(3 * sigma ** 2 * Math.sqrt(2 / (n - 1)));
    expect(await run()).toEqual(noise);
  });

  it('gradient noise has variance η/(1+t)^γ at step t', async () => {
    const eta = 0.3;
    const gamma = 0.55;
    const before: Float32Array[] = [];
    const after: Float32Array[] = [];
    const tapBefore: Plugin = { name: 'before', apiVersion: 2, order: 400, transformGradients: (g) => (before.push(g['dense_1/kernel']!.dataSync().slice() as Float32Array), g) };
    const tapAfter: Plugin = { name: 'after', apiVersion: 2, order: 600, transformGradients: (g) => (after.push(g['dense_1/kernel']!.dataSync().slice() as Float32Array), g) };
    const t = new Trainer({ model: nn.dense(50), loss: 'mse', optimizer: 'sgd', plugins: [tapBefore, gradientNoise({ eta, gamma }), tapAfter], inputShape: [100], progress: false });
    await t.fit({ x: tf.ones([4, 100]), y: tf.zeros([4, 50]), size: 4 }, { epochs: 3, batchSize: 4 });
    for (const step of [1, 3]) {
      const noise = after[step - 1]!.map((v, i) => v - before[step - 1]![i]!);
      const n = noise.length;
      const variance = noise.reduce((s, v) => s + v * v, 0) / n;
      const expected = gradientNoiseVariance(eta, gamma, step);
      expect(Math.abs(variance - expected)).toBeLessThan(3 * expected * Math.sqrt(2 / n));
    }
    t.dispose();
  });

  it('label noise flips about `rate` of the labels, always to another class', async () => {
    const rate = 0.2;
    const seen: Array<{ x: number[]; y: number[] }> = [];
    const labels = Array.from({ length: 1000 }, (_, i) => i % 5);
    const t = new Trainer({ model: nn.dense(5), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 1e-9 }, plugins: [labelNoise({ rate }), batchTap(seen)], progress: false });
    await t.fit({ x: tf.zeros([1000, 2]), y: tf.tensor1d(labels, 'int32'), size: 1000 }, { epochs: 1, batchSize: 1000, shuffle: false });
    const flipped = seen[0]!.y.filter((v, i) => v !== labels[i]).length;
    expect(seen[0]!.y.every((v) => Number.isInteger(v) && v >= 0 && v < 5)).toBe(true);
    expect(Math.abs(flipped / 1000 - rate)).toBeLessThan(3 * Math.sqrt((rate * (1 - rate)) / 1000));
    const corrupted = corruptLabels(loadDigits().data, { rate: 0.2, classes: 10, seed: 1 });
    expect(Math.abs(corrupted.flipped.length / 1797 - 0.2)).toBeLessThan(3 * Math.sqrt(0.16 / 1797));
    t.dispose();
  });
});

describe('every plugin passes checkPlugin', () => {
  const cases: Record<string, () => Plugin> = {
    inputNoise: () => inputNoise({ stddev: 0.1 }),
    'inputNoise multiplicative': () => inputNoise({ stddev: 0.1, kind: 'multiplicative' }),
    hiddenNoise: () => hiddenNoise({ stddev: 0.1 }),
    weightNoise: () => weightNoise({ stddev: 0.01 }),
    'weightNoise per epoch': () => weightNoise({ stddev: 0.01, resample: 'epoch' }),
    gradientNoise: () => gradientNoise({ eta: 0.01 }),
    labelSmoothing: () => labelSmoothing({ epsilon: 0.1 }),
    labelNoise: () => labelNoise({ rate: 0.1 }),
    jacobianPenalty: () => jacobianPenalty({ nu: 0.01 }),
  };
  for (const [label, factory] of Object.entries(cases)) {
    it(label, async () => expect((await checkPlugin(factory, { steps: label === 'jacobianPenalty' ? 8 : 24 })).tensorsPerStep).toBe(0));
  }
  it('options are validated at creation', () => {
    expect(() => inputNoise({ stddev: -1 })).toThrow(/inputNoise: option 'stddev' = -1 is not allowed; must be ≥ 0/);
    expect(() => labelSmoothing({ epsilon: 1 })).toThrow(/labelSmoothing: option 'epsilon' = 1 is not allowed; must be in \[0, 1\)/);
    expect(() => labelNoise({ rate: 1.5 })).toThrow(/labelNoise: option 'rate' = 1.5/);
  });
});
