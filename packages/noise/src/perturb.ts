import * as tf from '@tensorflow/tfjs-core';
import { z, type RandomStream } from '@tikhonov/core';

/** Additive: x + σε; multiplicative: x·(1 + σε); ε ~ N(0, 1). */
export type NoiseKind = 'additive' | 'multiplicative';

export const kindSchema = z.enum(['additive', 'multiplicative'], { message: "must be 'additive' or 'multiplicative'" });

/** Perturbs a tensor with Gaussian noise of standard deviation σ. */
export function perturb(x: tf.Tensor, stddev: number, kind: NoiseKind, random: RandomStream): tf.Tensor {
  if (stddev === 0) return x;
  return kind === 'additive' ? tf.add(x, random.normal(x.shape, 0, stddev)) : tf.mul(x, random.normal(x.shape, 1, stddev));
}
