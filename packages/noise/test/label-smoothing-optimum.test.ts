// What label smoothing does to the likelihood (decks 000 and 002). Cross-entropy
// against soft targets is minimised where the model's probabilities equal the
// mean target, so each claim below has a closed form, reached by a model that
// can represent it exactly.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nn, Trainer, type Plugin } from '@tikhonov/core';
import { labelSmoothing } from '@tikhonov/noise';

const k = 4;

describe('label smoothing keeps maximum likelihood finite (deck 002)', () => {
  // k examples, x = eᵢ with label i: separable, and each example's logits are free (row i of W)
  const data = { x: tf.eye(k), y: tf.tensor1d([0, 1, 2, 3], 'int32'), size: k };
  const margins = async (plugins: Plugin[], checkpoints: number[]) => {
    const t = new Trainer({ model: nn.dense(k, { useBias: false }), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 4 }, plugins, seed: 1, progress: false, logEvery: 100_000 });
    const out: number[] = [];
    for (const epochs of checkpoints) {
      await t.fit(data, { epochs, batchSize: k, shuffle: false });
      // the smallest gap between the target logit and another one, over the examples
      const W = t.params.get('dense_1/kernel').variable.arraySync() as number[][];
      out.push(Math.min(...W.map((row, i) => Math.min(...row.filter((_, j) => j !== i).map((v) => row[i]! - v)))));
    }
    t.dispose();
    return out;
  };

  it('hard targets: the logit margin keeps growing (≈ log t); smoothed (ε = 0.2): it converges to log((1 − (k−1)ε/k)/(ε/k)) exactly', async () => {
    const hard = await margins([], [100, 1000, 3000]);
    expect(hard[1]! - hard[0]!).toBeGreaterThan(1);
    expect(hard[2]! - hard[1]!).toBeGreaterThan(0.5);
    const epsilon = 0.2;
    const smoothed = await margins([labelSmoothing({ epsilon })], [1000, 3000]);
    const optimum = Math.log((1 - ((k - 1) * epsilon) / k) / (epsilon / k));
    expect(Math.abs(smoothed[1]! - optimum)).toBeLessThan(1e-4);
    expect(Math.abs(smoothed[1]! - smoothed[0]!)).toBeLessThan(1e-4);
    // deck 002's variant: targets 1 − ε and ε/(k − 1)
    const others = await margins([labelSmoothing({ epsilon, spread: 'others' })], [3000]);
    expect(Math.abs(others[0]! - Math.log((1 - epsilon) / (epsilon / (k - 1))))).toBeLessThan(1e-4);
  });
});

describe('label smoothing on mistaken labels (deck 000: the label is right with probability 1 − ε)', () => {
  it('with a fraction r of labels moved evenly to the other classes, the fitted top-class probability is 1 − r, and (1 − ε)(1 − r) + ε/k when smoothed', async () => {
    // one input, 100 labels: 70 of class 0, 10 of each other class (r = 0.3), so the model is a free softmax
    const labels = [...Array(70).fill(0), ...Array(10).fill(1), ...Array(10).fill(2), ...Array(10).fill(3)];
    const r = 0.3;
    const data = { x: tf.ones([100, 1]), y: tf.tensor1d(labels, 'int32'), size: 100 };
    const fitted = async (plugins: Plugin[]) => {
      const t = new Trainer({ model: nn.dense(k), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 1 }, plugins, seed: 3, progress: false, logEvery: 100_000 });
      await t.fit(data, { epochs: 800, batchSize: 100, shuffle: false });
      const p = tf.tidy(() => Array.from(tf.softmax(t.predict(tf.ones([1, 1])) as tf.Tensor).dataSync()));
      t.dispose();
      return p;
    };
    const plain = await fitted([]);
    expect(Math.abs(plain[0]! - (1 - r))).toBeLessThan(1e-4);
    const epsilon = 0.2;
    const smoothed = await fitted([labelSmoothing({ epsilon })]);
    expect(Math.abs(smoothed[0]! - ((1 - epsilon) * (1 - r) + epsilon / k))).toBeLessThan(1e-4);
    smoothed.slice(1).forEach((p) => expect(Math.abs(p - ((1 - epsilon) * (r / (k - 1)) + epsilon / k))).toBeLessThan(1e-4));
  });
});
