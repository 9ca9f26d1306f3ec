import * as tf from '@tensorflow/tfjs-core';

/** Names of the seeded initialisers. */
export type InitializerName = 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'zeros' | 'ones';

/** fan-in and fan-out of a kernel whose last axis indexes output units (dense: [in, out]; conv: [kh, kw, in, out]). */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) return { fanIn: shape[0] ?? 1, fanOut: shape[0] ?? 1 };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2]! * receptive, fanOut: shape[shape.length - 1]! * receptive };
}

/**
 * Creates initial values. Glorot: variance 2/(fanIn+fanOut) (tanh/sigmoid nets);
 * He: variance 2/fanIn (ReLU nets). The normal variants are truncated at 2σ as in Keras.
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
      return tf.randomUniform(s, -limit, limit, 'float32', seed);
    }
    case 'heUniform': {
      const limit = Math.sqrt(6 / fanIn);
      return tf.randomUniform(s, -limit, limit, 'float32', seed);
    }
    // 0.8796 is the standard deviation of a unit normal truncated at ±2σ.
    case 'glorotNormal':
      return tf.truncatedNormal(s, 0, Math.sqrt(2 / (fanIn + fanOut)) / 0.87962566, 'float32', seed);
    case 'heNormal':
      return tf.truncatedNormal(s, 0, Math.sqrt(2 / fanIn) / 0.87962566, 'float32', seed);
  }
}
