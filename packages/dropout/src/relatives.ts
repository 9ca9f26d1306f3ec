import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, matchesSite, paramSelectorSchema, schemas, selectOrThrow, siteSelectorSchema, type ParamInfo, type ParamSelector, type Plugin, type RandomStream, type SiteSelector } from '@tikhonov/core';
import { dropUnits } from './masks.js';

/** Options of {@link dropConnect}. */
export interface DropConnectOptions {
  /** Probability of dropping each weight. */
  rate: number;
  /** Which params; default weights only. */
  select?: ParamSelector;
  name?: string;
}

/**
 * DropConnect (Wan et al. 2013): drops individual weights instead of units,
 * through `transformParam` under the tape — a dropped weight gets exactly zero
 * gradient in that step. Kept weights are scaled by 1/(1−rate) (inverted), so
 * inference uses the weights as they are.
 */
export const dropConnect: (options: DropConnectOptions) => Plugin = definePlugin({
  name: 'dropConnect',
  options: { rate: schemas.rate, select: paramSelectorSchema.optional() },
  setup({ rate, select = { roles: ['weight'] } }: DropConnectOptions, name) {
    // resolved when a fit starts, or at the first use (Monte Carlo inference on a trainer never fitted)
    let chosen: Set<string> | undefined;
    const resolve = (params: readonly ParamInfo[]) => (chosen = new Set(selectOrThrow(params, select, name).map((p) => p.name)));
    return {
      // training, and one sample of it at inference (Monte Carlo); plain inference uses the weights as they are
      modes: ['train', 'sample'],
      beforeFit(ctx) {
        resolve(ctx.params.all);
      },
      transformParam(param, value, ctx) {
        if (rate === 0 || !(chosen ?? resolve(ctx.params.all)).has(param.name)) return value;
        return dropUnits(value, rate, ctx.random, 'inverted');
      },
    };
  },
});

/** Options shared by the unit-noise relatives of dropout. */
export interface SiteDropoutOptions {
  rate: number;
  /** Which sites; default every hidden site. */
  sites?: SiteSelector;
  name?: string;
}

/** A plugin factory that perturbs selected activations in training and in Monte Carlo sampling (mode 'sample'); identity otherwise. */
function siteNoise(owner: string, perturb: (h: tf.Tensor, rate: number, random: RandomStream) => tf.Tensor): (options: SiteDropoutOptions) => Plugin {
  return definePlugin({
    name: owner,
    options: { rate: schemas.rate, sites: siteSelectorSchema.optional() },
    setup: ({ rate, sites = { kinds: ['hidden'] } }: SiteDropoutOptions) => ({
      modes: ['train', 'sample'],
      transformActivation(site, h, ctx) {
        if (rate === 0 || site.kind === 'output' || !matchesSite(site, sites)) return h;
        return perturb(h, rate, ctx.random);
      },
    }),
  });
}

/**
 * Gaussian dropout (Srivastava et al. 2014 §10): multiplies each unit by
 * N(1, rate/(1−rate)) noise, the same mean and variance as inverted Bernoulli
 * dropout with that rate.
 */
export const gaussianDropout = siteNoise('gaussianDropout', (h, rate, random) => tf.mul(h, random.normal(h.shape, 1, Math.sqrt(rate / (1 - rate)))));

/**
 * Spatial dropout (Tompson et al. 2015): drops whole channels of NHWC feature
 * maps (one mask value per example and channel), since neighbouring pixels are
 * too correlated for unit-wise dropout to regularise. Non-4-D sites get
 * ordinary unit-wise dropout.
 */
export const spatialDropout = siteNoise('spatialDropout', (h, rate, random) =>
  dropUnits(h, rate, random, 'inverted', h.rank === 4 ? [h.shape[0]!, 1, 1, h.shape[3]!] : h.shape),
);

/** SELU's saturation value −λα (Klambauer et al. 2017). */
const SELU_SATURATION = -1.0507009873554805 * 1.6732632423543772;

/**
 * Alpha dropout for self-normalising (SELU) networks (Klambauer et al. 2017):
 * dropped units are set to SELU's saturation value α' = −λα and an affine map
 * a·x + b restores zero mean and unit variance, with
 * a = ((1−p)(1 + p·α'²))^(−1/2) and b = −a·α'·p.
 */
export const alphaDropout = siteNoise('alphaDropout', (h, rate, random) => {
  const keep = random.bernoulli(h.shape, 1 - rate);
  const a = ((1 - rate) * (1 + rate * SELU_SATURATION ** 2)) ** -0.5;
  const b = -a * SELU_SATURATION * rate;
  const dropped = tf.add(tf.mul(h, keep), tf.mul(tf.sub(1, keep), SELU_SATURATION));
  return tf.add(tf.mul(dropped, a), b);
});
