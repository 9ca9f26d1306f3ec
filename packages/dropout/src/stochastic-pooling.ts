import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, schemas, selectSitesOrThrow, siteSelectorSchema, type Plugin, type RandomStream, type SiteSelector } from '@tikhonov/core';

/** Options of {@link stochasticPooling}. */
export interface StochasticPoolingOptions {
  /** The sites whose maps feed an `nn.maxPool2d(poolSize)` (stride = size, 'valid'): the ReLU conv outputs before the pools. */
  sites: SiteSelector;
  /** The size k of those pools' k × k regions. Default 2. */
  poolSize?: number;
  name?: string;
}

/**
 * The regions of an NHWC map [n, H, W, C] as [n, H/k, W/k, C, k²], and back.
 * Rows of the last axis are the k² pixels of one region of one channel.
 */
function toRegions(h: tf.Tensor, k: number): tf.Tensor {
  const [n, H, W, C] = h.shape as [number, number, number, number];
  return tf.reshape(tf.transpose(tf.reshape(h, [n, H / k, k, W / k, k, C]), [0, 1, 3, 5, 2, 4]), [n, H / k, W / k, C, k * k]);
}
function fromRegions(r: tf.Tensor, shape: readonly number[], k: number): tf.Tensor {
  const [n, H, W, C] = shape as [number, number, number, number];
  return tf.reshape(tf.transpose(tf.reshape(r, [n, H / k, W / k, C, k, k]), [0, 1, 4, 2, 5, 3]), [n, H, W, C]);
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
 * Stochastic pooling (Zeiler & Fergus 2013; seed §7.11): instead of the
 * maximum, each pooling region passes one of its activations, drawn with
 * probability proportional to its value — an ensemble of convolutional nets
 * attending to different locations. It acts on the ReLU map that feeds an
 * `nn.maxPool2d(poolSize)`: in training (and in sampled predictions) every
 * pixel of a region but the drawn one is zeroed, so the max-pool passes the
 * draw, and the gradient reaches only the drawn pixel. At inference each region
 * becomes its probability-weighted average Σaᵢ²/Σaᵢ, which the max-pool passes
 * unchanged. The activations must be non-negative (ReLU): the probabilities
 * aᵢ/Σa mean nothing otherwise; a region of zeros passes 0.
 */
export const stochasticPooling: (options: StochasticPoolingOptions) => Plugin = definePlugin({
  name: 'stochasticPooling',
  options: { sites: siteSelectorSchema, poolSize: schemas.positiveInt.optional() },
  setup({ sites, poolSize = 2 }: StochasticPoolingOptions, name) {
    // resolved when a fit starts, or at the first use (inference on a trainer never fitted)
    let chosen: Set<string> | undefined;
    const resolve = (all: Parameters<typeof selectSitesOrThrow>[0]) => (chosen = new Set(selectSitesOrThrow(all, sites, name).map((s) => s.name)));
    return {
      modes: ['train', 'sample', 'infer'],
      beforeFit(ctx) {
        resolve(ctx.model.sites);
      },
      transformActivation(site, h, ctx) {
        if (!(chosen ?? resolve(ctx.model.sites)).has(site.name)) return h;
        if (h.rank !== 4 || h.shape[1]! % poolSize !== 0 || h.shape[2]! % poolSize !== 0) {
          throw new RangeError(`${name}: site '${site.name}' has shape [${h.shape.join(', ')}]; it needs an NHWC map whose height and width are multiples of poolSize = ${poolSize}`);
        }
        const regions = toRegions(h, poolSize);
        if (ctx.mode === 'infer') {
          const last = regions.rank - 1;
          const average = tf.divNoNan(tf.sum(tf.square(regions), last, true), tf.sum(regions, last, true));
          return fromRegions(tf.mul(average, tf.onesLike(regions)), h.shape, poolSize);
        }
        // the mask is a constant of the step: the gradient flows through the drawn pixel only
        return fromRegions(tf.mul(regions, sampleMask(regions, ctx.random)), h.shape, poolSize);
      },
    };
  },
});
