import * as tf from '@tensorflow/tfjs-core';

/**
 * Central-difference gradient of a scalar function at x, computed in float64
 * on the host: an independent check of tfjs's analytic gradients in tests.
 */
export function numericGradient(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, h = 1e-3): Float64Array {
  const base = Float64Array.from(x.dataSync());
  const out = new Float64Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const at = (delta: number) =>
      tf.tidy(() => {
        const v = Float32Array.from(base);
        v[i] = base[i]! + delta;
        return f(tf.tensor(v, x.shape)).dataSync()[0]!;
      });
    out[i] = (at(h) - at(-h)) / (2 * h);
  }
  return out;
}
