import * as tf from '@tensorflow/tfjs-core';

/** The norm of a perturbation's ball: max-norm (L∞) or Euclidean (L2), per example over all its features. */
export type Norm = 'linf' | 'l2';

/** Per-example L2 norms of x [n, ...] as [n, 1, ...] (broadcastable against x). */
export function rowNorms(x: tf.Tensor): tf.Tensor {
  const n = x.shape[0]!;
  const norms = tf.sqrt(tf.sum(tf.square(tf.reshape(x, [n, -1])), -1));
  return tf.reshape(norms, [n, ...x.shape.slice(1).map(() => 1)]);
}

/** x scaled per example to unit L2 norm (a zero row stays zero). */
export function unitRows(x: tf.Tensor): tf.Tensor {
  return tf.div(x, tf.maximum(rowNorms(x), 1e-12));
}

/** The perturbation δ projected onto the ε-ball of the norm. */
export function projectDelta(delta: tf.Tensor, epsilon: number, norm: Norm): tf.Tensor {
  if (norm === 'linf') return tf.clipByValue(delta, -epsilon, epsilon);
  // scale down only rows outside the ball: δ · min(1, ε/‖δ‖)
  return tf.mul(delta, tf.minimum(1, tf.div(epsilon, tf.maximum(rowNorms(delta), 1e-12))));
}

/** x' kept inside the ε-ball around x and inside the data range, when one is declared. */
export function project(xAdv: tf.Tensor, x: tf.Tensor, epsilon: number, norm: Norm, range: readonly [number, number] | undefined): tf.Tensor {
  const inBall = tf.add(x, projectDelta(tf.sub(xAdv, x), epsilon, norm));
  // clipping moves each coordinate toward x (which lies in the range), so the result stays in the ball
  return range ? tf.clipByValue(inBall, range[0], range[1]) : inBall;
}

/** The steepest-ascent direction of a gradient for the norm: sign(g) for L∞, g/‖g‖₂ per example for L2. */
export function ascentDirection(grad: tf.Tensor, norm: Norm): tf.Tensor {
  return norm === 'linf' ? tf.sign(grad) : unitRows(grad);
}

/** Per example: a's row where cond [n] holds, else b's (cond broadcast over each row's features). */
export function whereRows(cond: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.where(tf.reshape(cond, [cond.shape[0]!, ...a.shape.slice(1).map(() => 1)]), a, b);
}
