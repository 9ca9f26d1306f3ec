import * as tf from '@tensorflow/tfjs-core';
import { modesOf, nn, schemas, validateOptions, z, type Trainer } from '@tikhonov/core';

/** Predictive distribution from Monte Carlo dropout. */
export interface McPrediction {
  /** Mean of the sampled softmax probabilities [n, k]. */
  mean: tf.Tensor;
  /** Per-class variance of the sampled probabilities [n, k]. */
  variance: tf.Tensor;
  /** Entropy of the mean prediction, −Σ p̄ log p̄ [n] (predictive uncertainty). */
  entropy: tf.Tensor;
}

/**
 * Monte Carlo dropout (Gal & Ghahramani 2016): runs `samples` inference
 * passes with fresh dropout masks and returns the mean and variance of the
 * predicted probabilities and the entropy of the mean — an estimate of the
 * model's uncertainty. Each pass is `trainer.predict(x, { sample: true })`,
 * so the trainer needs a plugin declared for mode `'sample'` (the dropout
 * family, or one of your own); the model's output
 * must be logits. The caller disposes the returned tensors.
 */
export function monteCarloPredict(trainer: Trainer, x: tf.Tensor, options: { samples?: number } = {}): McPrediction {
  const { samples = 30 } = validateOptions('monteCarloPredict', z.object({ samples: schemas.positiveInt.optional() }).strict(), options);
  // a plugin can perturb inference only through its forward hooks, and they run in mode 'sample' only if it declares it
  if (!trainer.plugins.some((p) => modesOf(p).includes('sample') && (p.transformActivation || p.transformParam))) {
    throw new Error("monteCarloPredict: no plugin of the trainer is declared for mode 'sample' (a dropout-family plugin: dropout, dropConnect, gaussianDropout, spatialDropout, alphaDropout, or your own with modes: ['train', 'sample'])");
  }
  let sum: tf.Tensor | undefined;
  let sumSquares: tf.Tensor | undefined;
  for (let s = 0; s < samples; s++) {
    const out = trainer.predict(x, { sample: true });
    if (nn.isRecord(out)) {
      tf.dispose(out);
      throw new Error('monteCarloPredict: the model has named outputs; call it on a single-output model');
    }
    const [nextSum, nextSquares] = tf.tidy(() => {
      const p = tf.softmax(out);
      return [sum ? tf.add(sum, p) : p, sumSquares ? tf.add(sumSquares, tf.square(p)) : tf.square(p)];
    });
    tf.dispose([out, sum!, sumSquares!].filter(Boolean));
    sum = nextSum;
    sumSquares = nextSquares;
  }
  return tf.tidy(() => {
    const mean = tf.div(sum!, samples);
    const variance = tf.relu(tf.sub(tf.div(sumSquares!, samples), tf.square(mean)));
    const entropy = tf.neg(tf.sum(tf.mul(mean, tf.log(tf.maximum(mean, 1e-30))), -1));
    tf.dispose([sum!, sumSquares!]);
    return { mean, variance, entropy };
  }) as unknown as McPrediction;
}
