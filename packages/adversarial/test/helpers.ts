import * as tf from '@tensorflow/tfjs-core';
import { dataset, nn, RandomStream, Trainer, type Dataset } from '@tikhonov/core';
import { loadDigits } from '@tikhonov/datasets';

/** A fixed tanh MLP 8 → 16 → 3 as a plain differentiable function (seeded weights). */
export function fixedMlp(seed = 1): { model: (x: tf.Tensor) => tf.Tensor; dispose: () => void } {
  const r = new RandomStream(['fixed-mlp', seed]);
  const w1 = tf.keep(r.normal([8, 16], 0, 0.8));
  const w2 = tf.keep(r.normal([16, 3], 0, 0.8));
  return { model: (x) => tf.matMul(tf.tanh(tf.matMul(x, w1)), w2), dispose: () => tf.dispose([w1, w2]) };
}

/** Seeded inputs in [0, 1]: n × 8. */
export function unitInputs(n: number, seed = 2): tf.Tensor2D {
  return tf.tidy(() => new RandomStream(['inputs', seed]).uniform([n, 8], 0, 1)) as tf.Tensor2D;
}

/** Digits 8×8 in [0, 1], split by core's seeded split: `trainSize` for training, the rest for test. */
export function digitsSplit(trainSize = 1200): { train: Dataset; test: Dataset } {
  const { data } = loadDigits();
  const [train, test] = dataset.split(data, [trainSize / data.size, 1 - trainSize / data.size], 0);
  dataset.dispose(data);
  return { train: train!, test: test! };
}

/** An MLP classifier for digits, trained plainly (or with the given plugins) on the cpu backend. */
export async function trainDigits(train: Dataset, plugins: Trainer['plugins'] = [], epochs = 30, seed = 0): Promise<Trainer> {
  const trainer = new Trainer({ model: nn.sequential([nn.dense(64, { activation: 'relu' }), nn.dense(10)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'adam', learningRate: 0.003 }, plugins: [...plugins], seed, progress: false });
  await trainer.fit(train, { epochs, batchSize: 64 });
  return trainer;
}

/** Accuracy of logits against class ids (host read; tests only). */
export function accuracyOf(logits: tf.Tensor, y: tf.Tensor): number {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, -1), tf.cast(y, 'int32')), 'float32')).dataSync()[0]!);
}
