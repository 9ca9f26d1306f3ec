import * as tf from '@tensorflow/tfjs-core';
import { targetDistribution } from '@tikhonov/core';

/**
 * What an attack maximizes: one value per example from the model's output at
 * the perturbed input. Examples must not interact (each value depends on its
 * own row only), so the gradient of the sum is every example's own gradient.
 */
export type Objective = (prediction: tf.Tensor) => tf.Tensor1D;

/** Per example: is the attack done with it (misclassified, or at its target)? Bool tensor [n]. */
export type Success = (prediction: tf.Tensor) => tf.Tensor1D;

/** The loss an attack raises: softmax cross-entropy on logits (default), sigmoid cross-entropy on logits, or squared error. */
export type AttackLoss = 'crossEntropy' | 'sigmoidCrossEntropy' | 'mse';

/** The attack losses, for option checks. */
export const ATTACK_LOSSES = ['crossEntropy', 'sigmoidCrossEntropy', 'mse'] as const satisfies readonly AttackLoss[];

const rowsOf = (t: tf.Tensor): tf.Tensor2D => tf.reshape(t, [t.shape[0]!, -1]) as tf.Tensor2D;

/** Per-example softmax cross-entropy of logits [n, k] against class ids [n] or distributions [n, k]. */
export function crossEntropyPerExample(logits: tf.Tensor, target: tf.Tensor): tf.Tensor1D {
  const k = logits.shape[logits.shape.length - 1]!;
  const dist = targetDistribution(target, k);
  return tf.neg(tf.sum(tf.mul(dist, tf.logSoftmax(rowsOf(logits))), -1)) as tf.Tensor1D;
}

/** Per-example KL(p ‖ softmax(logits)) for probability rows p [n, k] (p is a constant here). */
export function klPerExample(p: tf.Tensor, logits: tf.Tensor): tf.Tensor1D {
  // Σ p (log p − log q); 0·log 0 is 0, hence the max against a tiny floor inside the log only
  const logP = tf.log(tf.maximum(p, 1e-30));
  return tf.sum(tf.mul(p, tf.sub(logP, tf.logSoftmax(rowsOf(logits)))), -1) as tf.Tensor1D;
}

/** The per-example value of `loss` for a prediction and its target (ids or distributions for cross-entropy). */
export function lossPerExample(loss: AttackLoss, prediction: tf.Tensor, target: tf.Tensor): tf.Tensor1D {
  switch (loss) {
    case 'crossEntropy':
      return crossEntropyPerExample(prediction, target);
    case 'sigmoidCrossEntropy': {
      // max(z, 0) − z·t + log(1 + e^−|z|), the stable form
      const z = rowsOf(prediction);
      const t = tf.reshape(tf.cast(target, 'float32'), z.shape);
      const per = tf.add(tf.sub(tf.relu(z), tf.mul(z, t)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
      return tf.sum(per, -1) as tf.Tensor1D;
    }
    case 'mse': {
      const d = tf.sub(rowsOf(prediction), tf.reshape(tf.cast(target, 'float32'), [prediction.shape[0]!, -1]));
      return tf.mean(tf.square(d), -1) as tf.Tensor1D;
    }
  }
}

/** Class ids [n] of labels given as ids [n] or as rows [n, k] (one-hot or soft: their argmax). */
export function classIds(labels: tf.Tensor): tf.Tensor1D {
  return (labels.rank === 1 ? tf.cast(labels, 'int32') : tf.argMax(rowsOf(labels), -1)) as tf.Tensor1D;
}

/**
 * The objective and success test of an attack on labels: untargeted raises
 * the loss against the true labels and succeeds once the predicted class
 * differs from them; targeted lowers the loss against the target classes and
 * succeeds once the prediction is the target. Success is defined for
 * classifiers (cross-entropy losses); for `'mse'` it is undefined.
 */
export function labelObjective(loss: AttackLoss, labels: tf.Tensor, targeted: boolean): { objective: Objective; success?: Success } {
  const objective: Objective = (prediction) => {
    const value = lossPerExample(loss, prediction, labels);
    return targeted ? tf.neg(value) : value;
  };
  if (loss === 'mse') return { objective };
  const ids = classIds(labels);
  const success: Success = (prediction) => {
    const predicted = predictedClass(loss, prediction);
    return (targeted ? tf.equal(predicted, ids) : tf.notEqual(predicted, ids)) as tf.Tensor1D;
  };
  return { objective, success };
}

/** The predicted class of logits: argmax for softmax, z > 0 for one sigmoid unit. */
export function predictedClass(loss: AttackLoss, prediction: tf.Tensor): tf.Tensor1D {
  const rows = rowsOf(prediction);
  if (loss === 'sigmoidCrossEntropy' && rows.shape[1] === 1) return tf.cast(tf.greater(tf.reshape(rows, [-1]), 0), 'int32') as tf.Tensor1D;
  return tf.argMax(rows, -1) as tf.Tensor1D;
}
