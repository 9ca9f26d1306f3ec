import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { confusionMatrix, dataset, nn, Trainer, type MetricSpec } from '@tikhonov/core';

/** A trainer whose model outputs its input (a bias-free dense layer with the identity as kernel). */
function identity(width: number, loss: 'softmaxCrossEntropy' | 'mse', metrics: MetricSpec[]) {
  const t = new Trainer({ model: nn.dense(width, { useBias: false }), loss, metrics, progress: false });
  t.build([width]);
  t.params.all[0]!.variable.assign(tf.eye(width));
  return t;
}

describe('metrics in evaluate and validation', () => {
  it('classification: accuracy, top-2 accuracy and macro precision/recall/F1 equal the hand-worked confusion matrix, over batches of 3', async () => {
    // predicted classes 0 0 1 2 2 2 0 2 (logit 3), the runner-up logit 1; true classes 0 1 1 2 0 1 0 2
    const predicted = [0, 0, 1, 2, 2, 2, 0, 2];
    const second = [1, 1, 0, 0, 1, 0, 2, 1];
    const truth = [0, 1, 1, 2, 0, 1, 0, 2];
    const x = predicted.map((p, i) => [0, 1, 2].map((c) => (c === p ? 3 : c === second[i] ? 1 : 0)));
    const data = dataset.fromArrays(x, truth);
    const t = identity(3, 'softmaxCrossEntropy', ['accuracy', 'precision', 'recall', 'f1', { name: 'topKAccuracy', k: 2 }]);
    const m = await t.evaluate(data, { batchSize: 3 });
    // confusion [true][predicted]: [[2, 0, 1], [1, 1, 1], [0, 0, 2]]
    // precision per class 2/3, 1/1, 2/4; recall 2/3, 1/3, 2/2; F1 2/3, 1/2, 2/3
    expect(m.accuracy).toBeCloseTo(5 / 8, 6);
    expect(m.precision).toBeCloseTo((2 / 3 + 1 + 1 / 2) / 3, 6);
    expect(m.recall).toBeCloseTo((2 / 3 + 1 / 3 + 1) / 3, 6);
    expect(m.f1).toBeCloseTo((2 / 3 + 1 / 2 + 2 / 3) / 3, 6);
    // the true class is in the top 2 but for examples 4 (true 0; logits at 2, then 1) and 5 (true 1; at 2, then 0)
    expect(m.top2Accuracy).toBeCloseTo(6 / 8, 6);
    const logits = tf.tensor2d(x);
    expect(confusionMatrix(logits, data.y as tf.Tensor)).toEqual([[2, 0, 1], [1, 1, 1], [0, 0, 2]]);
    logits.dispose();
    t.dispose();
    dataset.dispose(data);
  });

  it('regression: mae, mse and r2 (mean over output columns) equal the hand computation; a custom fn averages over examples', async () => {
    const x = [[1, 2], [2, 0], [3, 5], [4, 1], [0, 0]];
    const y = [[1.5, 2], [2, 1], [2, 4], [5, 1], [0.5, -1]];
    const data = dataset.fromArrays(x, y);
    const t = identity(2, 'mse', ['mae', 'mse', 'r2', { name: 'meanOutput', fn: (p) => tf.mean(p) as tf.Scalar }]);
    const m = await t.evaluate(data, { batchSize: 2 });
    const errors = x.flatMap((row, i) => row.map((v, j) => v - y[i]![j]!));
    expect(m.mae).toBeCloseTo(errors.reduce((s, e) => s + Math.abs(e), 0) / 10, 6);
    expect(m.mse).toBeCloseTo(errors.reduce((s, e) => s + e * e, 0) / 10, 6);
    const r2 = [0, 1].map((j) => {
      const mean = y.reduce((s, r) => s + r[j]!, 0) / 5;
      const res = x.reduce((s, r, i) => s + (r[j]! - y[i]![j]!) ** 2, 0);
      const tot = y.reduce((s, r) => s + (r[j]! - mean) ** 2, 0);
      return 1 - res / tot;
    });
    expect(m.r2).toBeCloseTo((r2[0]! + r2[1]!) / 2, 5);
    expect(m.meanOutput).toBeCloseTo(x.flat().reduce((s, v) => s + v, 0) / 10, 6);
    t.dispose();
    dataset.dispose(data);
  });

  it('validation records them as val.*; bad specs and a multi-output model without output name the option', async () => {
    const data = dataset.fromArrays([[0, 1], [1, 0], [1, 1], [0, 0]], [0, 1, 1, 0]);
    const t = new Trainer({ model: nn.dense(2), loss: 'softmaxCrossEntropy', metrics: ['f1'], progress: false });
    const history = await t.fit(data, { epochs: 2, batchSize: 2, validation: { data } });
    expect(history.epochs.every((r) => typeof r['val.f1'] === 'number')).toBe(true);
    t.dispose();
    expect(() => new Trainer({ model: nn.dense(2), loss: 'mse', metrics: ['auc' as never], progress: false })).toThrow(/metrics\.0/);
    const multi = new Trainer({ model: nn.multiHead(nn.dense(4), { a: nn.dense(2), b: nn.dense(1) }), loss: { a: 'softmaxCrossEntropy', b: 'mse' }, metrics: ['mae'], progress: false });
    expect(() => multi.build([2])).toThrow(/metrics\[0\]\.output.*outputs a, b/);
    multi.dispose();
    dataset.dispose(data);
  });
});
