import * as tf from '@tensorflow/tfjs-core';

/**
 * The kernel name of the bias-and-activation gradient a backend may offer
 * (`@tikhonov/backend-native` does): inputs `{ dy, y }` of one shape, y the
 * layer's output relu(z); attribute `{ activation: 'relu' }`; outputs
 * `[dz, db]` with dz = dy·step(y) (NaN where y is NaN) and db the sum of dz
 * over every axis but the last. The composed ops make three passes over a
 * layer's activations (step, multiply, sum); this kernel makes one.
 */
export const BIAS_ACTIVATION_GRAD_KERNEL = 'TikhonovBiasActivationGrad';

/** The gradient at z = x·W or x ⋆ W of a layer act(z + b), and a thunk for b's. */
export interface BiasActivationGrads {
  dz: tf.Tensor;
  db: () => tf.Tensor;
}

/**
 * dz = dy·act'(z) and db = Σ dz over all axes but the last, for the fused
 * layers' gradients (dense and conv): through the backend's one-pass kernel
 * for relu where it has one, else as the composed relu(add(·, b)) would
 * compute them. `y` is the layer's output; step(relu(z)) = step(z).
 */
export function biasActivationGrad(dy: tf.Tensor, y: tf.Tensor, activation: 'linear' | 'relu'): BiasActivationGrads {
  const leading = Array.from({ length: dy.rank - 1 }, (_, i) => i);
  if (activation === 'linear') return { dz: dy, db: () => tf.sum(dy, leading) };
  if (dy.dtype === 'float32' && tf.getKernel(BIAS_ACTIVATION_GRAD_KERNEL, tf.getBackend()) !== undefined) {
    const [dz, db] = tf.engine().runKernel(BIAS_ACTIVATION_GRAD_KERNEL, { dy, y }, { activation }) as tf.Tensor[];
    return { dz: dz!, db: () => db! };
  }
  const dz = tf.mul(dy, tf.step(y));
  return { dz, db: () => tf.sum(dz, leading) };
}
