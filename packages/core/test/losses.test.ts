import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { meanSquaredError, sigmoidCrossEntropy, softmaxCrossEntropy, targetDistribution } from '@tikhonov/core';

/** Float64 reference implementations on the host. */
const logSoftmax = (row: number[]) => {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
};

describe('losses', () => {
  const logits = [[2, -1, 0.5], [0.1, 0.2, 0.3], [-3, 4, 1]];
  const ids = [0, 2, 1];
  const weight = [1, 0.5, 2];

  it('targetDistribution: class ids (int32 or float32) become one-hot rows; rows pass through as they are', () => {
    tf.tidy(() => {
      for (const dtype of ['int32', 'float32'] as const) {
        expect(targetDistribution(tf.tensor1d(ids, dtype), 3).arraySync()).toEqual([[1, 0, 0], [0, 0, 1], [0, 1, 0]]); // by hand: ids 0, 2, 1
      }
      const soft = tf.tensor2d([[0.8, 0.2], [0.5, 0.5]]);
      expect(targetDistribution(soft, 2)).toBe(soft);
    });
  });

  it('softmax cross-entropy: class ids, one-hot and soft targets, sample weights (mean of w·ℓ)', () => {
    const perExample = logits.map((row, i) => -logSoftmax(row)[ids[i]!]!);
    const plain = perExample.reduce((a, b) => a + b) / 3;
    const weighted = perExample.reduce((s, l, i) => s + l * weight[i]!, 0) / 3;
    const soft = [[0.8, 0.1, 0.1], [0, 0.5, 0.5], [0.2, 0.6, 0.2]];
    const softLoss = logits.map((row, i) => -logSoftmax(row).reduce((s, v, j) => s + soft[i]![j]! * v, 0)).reduce((a, b) => a + b) / 3;
    tf.tidy(() => {
      const z = tf.tensor2d(logits);
      expect(softmaxCrossEntropy(z, tf.tensor1d(ids, 'int32')).dataSync()[0]).toBeCloseTo(plain, 5);
      expect(softmaxCrossEntropy(z, tf.oneHot(tf.tensor1d(ids, 'int32'), 3)).dataSync()[0]).toBeCloseTo(plain, 5);
      expect(softmaxCrossEntropy(z, tf.tensor1d(ids, 'int32'), tf.tensor1d(weight)).dataSync()[0]).toBeCloseTo(weighted, 5);
      expect(softmaxCrossEntropy(z, tf.tensor2d(soft)).dataSync()[0]).toBeCloseTo(softLoss, 5);
    });
  });

  it('sigmoid cross-entropy is stable for large logits and matches −[y log σ + (1−y) log(1−σ)]', () => {
    const z = [-30, -1, 0, 2, 40];
    const y = [0, 1, 1, 0, 1];
    const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    const reference = z.reduce((s, v, i) => s + (softplus(v) - v * y[i]!), 0) / z.length;
    const got = tf.tidy(() => sigmoidCrossEntropy(tf.tensor1d(z), tf.tensor1d(y)).dataSync()[0]!);
    expect(got).toBeCloseTo(reference, 5);
    expect(Number.isFinite(got)).toBe(true);
  });

  it('mean squared error averages over outputs then examples', () => {
    const got = tf.tidy(() => meanSquaredError(tf.tensor2d([[1, 2], [3, 5]]), tf.tensor2d([[0, 0], [3, 3]])).dataSync()[0]);
    expect(got).toBeCloseTo(((1 + 4) / 2 + (0 + 4) / 2) / 2, 6);
  });
});
