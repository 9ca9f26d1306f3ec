import * as tf from '@tensorflow/tfjs-core';
import type { LossName } from './losses.js';

/**
 * Number of correctly classified examples in a batch (a scalar on the
 * backend), or undefined when the loss is not a classification loss.
 * Softmax outputs: argmax against class ids or against the argmax of one-hot /
 * soft targets. Sigmoid outputs: logit > 0 against target > 0.5.
 */
export function accuracyOf(loss: LossName | 'custom', prediction: tf.Tensor, target: tf.Tensor): tf.Scalar | undefined {
  if (loss === 'softmaxCrossEntropy') {
    const predicted = tf.argMax(prediction, -1);
    const actual = target.rank === prediction.rank ? tf.argMax(target, -1) : tf.cast(target, 'int32');
    return tf.sum(tf.cast(tf.equal(predicted, actual), 'float32')) as tf.Scalar;
  }
  if (loss === 'sigmoidCrossEntropy') {
    const predicted = tf.greater(prediction, 0);
    const actual = tf.greater(tf.reshape(target, prediction.shape), 0.5);
    const perElement = tf.cast(tf.equal(predicted, actual), 'float32');
    // with several sigmoid units per example, an example counts by its mean
    return prediction.rank > 1 ? (tf.sum(tf.mean(tf.reshape(perElement, [prediction.shape[0]!, -1]), 1)) as tf.Scalar) : (tf.sum(perElement) as tf.Scalar);
  }
  return undefined;
}

/**
 * Which way a metric improves when nobody said: 'max' for an accuracy (a name ending in `accuracy`, any case:
 * `val.accuracy`, `val.top5Accuracy`), 'min' for everything else (losses, errors). One convention for every monitor:
 * early stopping, reduceOnPlateau, the report's "best" column.
 */
export function metricMode(metric: string): 'min' | 'max' {
  return /accuracy$/i.test(metric) ? 'max' : 'min';
}
