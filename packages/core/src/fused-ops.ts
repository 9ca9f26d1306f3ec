import * as tf from '@tensorflow/tfjs-core';

/**
 * Kernel names of the fused operations core offers to backends. A backend
 * that registers a kernel under one of these names (as
 * `@tikhonov/backend-native` does) runs the operation in one pass over
 * memory; on any other backend it is the same arithmetic from tfjs ops.
 * The kernels have no gradient: they serve updates outside the tape (weight
 * averages, optimizer steps), never the loss.
 */
export const FUSED_KERNELS = {
  /** Inputs `{ a, b }` (float32, one shape), attribute `{ weight }`: a + weight·(b − a). */
  lerp: 'TikhonovLerp',
  /**
   * One Adam update of one variable. Inputs `{ value, gradient, m, v,
   * accBeta1, accBeta2 }` (float32; the last two scalars βᵗ), attributes
   * `{ beta1, beta2, epsilon, learningRate }`; outputs `[value, m, v]` after
   * the update, each float32 operation in the order and rounding of tfjs's
   * AdamOptimizer (see {@link FusedAdamOptimizer}).
   */
  adam: 'TikhonovAdam',
  /**
   * One momentum-SGD update of one variable. Inputs `{ value, gradient,
   * accumulation }` (float32, one shape), attributes `{ momentum,
   * learningRate, useNesterov }`; outputs `[value, accumulation]` after the
   * update, each float32 operation in the order and rounding of tfjs's
   * MomentumOptimizer (see {@link FusedMomentumOptimizer}).
   */
  momentum: 'TikhonovMomentum',
} as const;

/**
 * a + weight·(b − a): the linear interpolation behind exponential and
 * arithmetic weight averages (θ̄ ← θ̄ + (1 − β)(θ − θ̄)). Composed from three
 * tfjs ops it reads and writes memory three times and allocates twice more,
 * which is most of an EMA's cost per step; a backend with the fused kernel
 * does it in one pass. `a` and `b` must have the same shape.
 */
export function lerp(a: tf.Tensor, b: tf.Tensor, weight: number): tf.Tensor {
  if (!tf.util.arraysEqual(a.shape, b.shape)) throw new RangeError(`lerp: a has shape [${a.shape}] and b [${b.shape}]; they must be equal`);
  if (a.dtype === 'float32' && b.dtype === 'float32' && tf.getKernel(FUSED_KERNELS.lerp, tf.getBackend())) {
    return tf.engine().runKernel(FUSED_KERNELS.lerp, { a, b }, { weight }) as tf.Tensor;
  }
  return tf.tidy(() => tf.add(a, tf.mul(tf.sub(b, a), weight)));
}
