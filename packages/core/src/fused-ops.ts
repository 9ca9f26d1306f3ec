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
  /**
   * One plain SGD update of one variable. Inputs `{ value, gradient }`
   * (float32, one shape), attribute `{ learningRate }`; output the value
   * after the update, (−lr)·g + θ in float32 as tfjs's SGDOptimizer computes
   * it (see {@link FusedSgdOptimizer}).
   */
  sgd: 'TikhonovSgd',
  /**
   * The max-norm projection of a kernel whose last axis indexes its units.
   * Input `{ value }` (float32, rank ≥ 2), attribute `{ c }` (> 0); output
   * value·min(1, c/‖w_j‖), ‖w_j‖ the norm of unit j's incoming weights (all
   * axes but the last). See {@link projectMaxNorm}.
   */
  maxNorm: 'TikhonovMaxNorm',
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

/**
 * The norm of each unit's incoming weights of a kernel whose fan-in is every
 * axis but the last (dense, conv), shaped [1, …, 1, units] for broadcasting.
 * The squares are summed over the rows with one product 1ᵀ·(W∘W), not a
 * reduction over the leading axes, which tfjs's cpu backend performs by
 * transposing (a full copy) first.
 */
export function columnNorms(value: tf.Tensor): tf.Tensor {
  if (value.rank < 2) throw new RangeError(`columnNorms: value has shape [${value.shape}]; it needs rank ≥ 2 (the last axis indexes the units)`);
  return tf.tidy(() => {
    const units = value.shape[value.rank - 1]!;
    const rows = value.size / units;
    const squares = tf.reshape(tf.square(value), [rows, units]);
    const sums = tf.matMul(tf.ones([1, rows]), squares);
    return tf.sqrt(tf.reshape(sums, [...Array(value.rank - 1).fill(1), units]));
  });
}

/**
 * Max-norm projection (seed §7.3) of a kernel whose last axis indexes its
 * units: every unit whose incoming weights (all other axes) have norm above
 * c is scaled back onto the sphere of radius c, value·min(1, c/‖w_j‖); a
 * unit inside the ball is multiplied by exactly 1 and keeps its bits.
 * Composed, it passes over the weights five times (the squares written and
 * read, the value read twice, the result written); a backend with
 * `FUSED_KERNELS.maxNorm` does it in two.
 */
export function projectMaxNorm(value: tf.Tensor, c: number): tf.Tensor {
  if (value.rank < 2) throw new RangeError(`projectMaxNorm: value has shape [${value.shape}]; it needs rank ≥ 2 (the last axis indexes the units)`);
  if (!(typeof c === 'number' && c > 0 && Number.isFinite(c))) throw new RangeError(`projectMaxNorm: c = ${c} is not allowed; it must be a finite number > 0`);
  if (value.dtype === 'float32' && value.size > 0 && tf.getKernel(FUSED_KERNELS.maxNorm, tf.getBackend())) {
    return tf.engine().runKernel(FUSED_KERNELS.maxNorm, { value }, { c }) as tf.Tensor;
  }
  return tf.tidy(() => scaleIntoBall(value, columnNorms(value), c));
}

/**
 * value·min(1, c/norms): each unit scaled onto the sphere of radius c when its
 * norm (in `norms`, broadcast against value) is above c, multiplied by
 * exactly 1 otherwise. The max-norm projection's formula, for units laid out
 * along any axes ({@link projectMaxNorm} takes the last axis's).
 */
export function scaleIntoBall(value: tf.Tensor, norms: tf.Tensor, c: number): tf.Tensor {
  return tf.tidy(() => tf.mul(value, tf.minimum(tf.div(c, norms), 1)));
}

