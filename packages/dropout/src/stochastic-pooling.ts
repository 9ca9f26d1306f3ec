import * as tf from '@tensorflow/tfjs-core';
import { OptionError, type Module, type RandomStream } from '@tikhonov/core';

/** Options of {@link stochasticPool2d}. */
export interface StochasticPoolOptions {
  /** Stride; default the pool size (non-overlapping regions, as Zeiler & Fergus). */
  strides?: number;
  name?: string;
}

/** The regions of an NHWC map [n, H, W, C] (H, W multiples of k) as [n, H/k, W/k, C, k²]. */
function toRegions(h: tf.Tensor, k: number): tf.Tensor {
  const [n, H, W, C] = h.shape as [number, number, number, number];
  return tf.reshape(tf.transpose(tf.reshape(h, [n, H / k, k, W / k, k, C]), [0, 1, 3, 5, 2, 4]), [n, H / k, W / k, C, k * k]);
}

/**
 * One multinomial draw per region with pᵢ = aᵢ/Σa: a 0/1 mask with a single 1
 * (none where the region is all zero), from one uniform number per region.
 */
function sampleMask(regions: tf.Tensor, random: RandomStream): tf.Tensor {
  const last = regions.rank - 1;
  // pixel i is drawn when u·Σa falls in [Σ_{j<i} aⱼ, Σ_{j≤i} aⱼ): probability aᵢ/Σa, none for aᵢ = 0 or an all-zero
  // region. No division (its gradient at Σa = 0 is 0/0) and Heaviside steps rather than comparisons (their gradient
  // is zero, so the tape passes through them): the mask is a constant of the step.
  const upper = tf.cumsum(regions, last);
  const lower = tf.sub(upper, regions);
  const target = tf.mul(random.uniform([...regions.shape.slice(0, -1), 1]), tf.sum(regions, last, true));
  return tf.mul(tf.sub(1, tf.step(tf.sub(lower, target))), tf.step(tf.sub(upper, target)));
}

/**
 * Stochastic pooling (Zeiler & Fergus 2013; seed §7.11), a pooling layer in
 * place of `nn.maxPool2d(poolSize)`: in training (and in sampled predictions)
 * each k × k region passes one of its activations, drawn with probability
 * proportional to its value — an ensemble of convolutional nets attending to
 * different locations — and the gradient reaches only the drawn pixel; at
 * inference it passes the probability-weighted average Σaᵢ²/Σaᵢ. The
 * activations must be non-negative (put it after a ReLU): the probabilities
 * aᵢ/Σa mean nothing otherwise; a region of zeros passes 0. Its draws come from
 * the trainer's seeded stream (`ForwardScope.random`).
 */
export function stochasticPool2d(poolSize = 2, options: StochasticPoolOptions = {}): Module {
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new OptionError('stochasticPool2d', 'poolSize', poolSize, 'must be a positive integer');
  const strides = options.strides ?? poolSize;
  if (strides !== poolSize) throw new OptionError('stochasticPool2d', 'strides', strides, `must equal poolSize = ${poolSize} (non-overlapping regions)`);
  const self: Module = {
    kind: 'stochasticPool2d',
    name: options.name,
    config: { poolSize, strides },
    init(shape) {
      const s = shape as number[];
      if (s.length !== 3 || s[0]! % poolSize !== 0 || s[1]! % poolSize !== 0) {
        throw new OptionError('stochasticPool2d', 'input', `[${s.join(', ')}]`, `must be an NHWC map [height, width, channels] whose height and width are multiples of poolSize = ${poolSize}`);
      }
      return [s[0]! / poolSize, s[1]! / poolSize, s[2]!];
    },
    apply(x, scope) {
      const h = x as tf.Tensor;
      const regions = toRegions(h, poolSize);
      const last = regions.rank - 1;
      const pooled =
        scope.mode === 'infer'
          ? tf.divNoNan(tf.sum(tf.square(regions), last), tf.sum(regions, last))
          : tf.sum(tf.mul(regions, sampleMask(regions, scope.random(self))), last); // the drawn value: the only non-zero term
      return pooled;
    },
  };
  return self;
}
