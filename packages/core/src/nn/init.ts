import * as tf from '@tensorflow/tfjs-core';
import { hostRandomFill } from '../random.js';
import { standardNormal, Xoshiro128 } from '../rng-kernels.js';

/** Names of the seeded initialisers. */
export type InitializerName = 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'zeros' | 'ones';

/** fan-in and fan-out of a kernel whose last axis indexes output units (dense: [in, out]; conv: [kh, kw, in, out]). */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) return { fanIn: shape[0] ?? 1, fanOut: shape[0] ?? 1 };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2]! * receptive, fanOut: shape[shape.length - 1]! * receptive };
}

/** Uniform values in [−limit, limit) from core's reference generator (the same numbers on every backend). */
function uniform(shape: number[], limit: number, seed: number): tf.Tensor {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  hostRandomFill.uniform(out, seed, -limit, limit);
  return tf.tensor(out, shape);
}

/** Normal values of standard deviation σ truncated at ±2σ, by rejection from one xoshiro128** / Ziggurat stream. */
function truncatedNormal(shape: number[], stddev: number, seed: number): tf.Tensor {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  const rng = new Xoshiro128(seed);
  for (let i = 0; i < out.length; ) {
    const z = standardNormal(rng);
    if (Math.abs(z) <= 2) out[i++] = z * stddev;
  }
  return tf.tensor(out, shape);
}

/**
 * Creates initial values. Glorot: variance 2/(fanIn+fanOut) (tanh/sigmoid nets);
 * He: variance 2/fanIn (ReLU nets). The normal variants are truncated at 2σ as in Keras.
 * Drawn on the host by core's one generator (xoshiro128**), not tfjs's seeded ops.
 */
export function initialValue(name: InitializerName, shape: readonly number[], seed: number): tf.Tensor {
  const s = [...shape];
  const { fanIn, fanOut } = fans(shape);
  switch (name) {
    case 'zeros':
      return tf.zeros(s);
    case 'ones':
      return tf.ones(s);
    case 'glorotUniform': {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      return uniform(s, limit, seed);
    }
    case 'heUniform': {
      const limit = Math.sqrt(6 / fanIn);
      return uniform(s, limit, seed);
    }
    // 0.8796 is the standard deviation of a unit normal truncated at ±2σ.
    case 'glorotNormal':
      return truncatedNormal(s, Math.sqrt(2 / (fanIn + fanOut)) / 0.87962566, seed);
    case 'heNormal':
      return truncatedNormal(s, Math.sqrt(2 / fanIn) / 0.87962566, seed);
  }
}
