import * as tf from '@tensorflow/tfjs-core';
import type { RandomStream } from '@tikhonov/core';

/** How dropped activations are compensated. */
export type Scaling = 'inverted' | 'weight-scaling';

/**
 * Applies a fresh Bernoulli mask (keep probability 1 − rate). `inverted`
 * divides kept units by 1 − rate at training time, so inference needs no
 * change (PyTorch and Keras); `weight-scaling` leaves them, and inference
 * multiplies by 1 − rate instead (Hinton's rule, seed §7.11). Both give the
 * inference-time activation as the expected training-time activation.
 */
export function dropUnits(h: tf.Tensor, rate: number, random: RandomStream, scaling: Scaling, maskShape: number[] = h.shape): tf.Tensor {
  const mask = random.bernoulli(maskShape, 1 - rate);
  return scaling === 'inverted' ? tf.mul(h, tf.div(mask, 1 - rate)) : tf.mul(h, mask);
}
