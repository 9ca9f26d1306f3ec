import { definePlugin, matchesSite, Order, schemas, siteSelectorSchema, type Plugin, type SiteSelector } from '@tikhonov/core';
import { kindSchema, perturb, type NoiseKind } from './perturb.js';

/** Options of {@link inputNoise}. */
export interface InputNoiseOptions {
  /** σ of the Gaussian noise (variance ν = σ²). */
  stddev: number;
  kind?: NoiseKind;
  name?: string;
}

/**
 * Gaussian noise on the inputs, fresh each step (seed §7.6.1). For linear
 * regression, noise of variance ν is equivalent in expectation to an L²
 * penalty ν‖w‖² (Bishop 1995): E[(wᵀ(x+ε) − y)²] = (wᵀx − y)² + ν‖w‖².
 * Training only (a batch transform); inference sees clean inputs.
 */
export const inputNoise: (options: InputNoiseOptions) => Plugin = definePlugin({
  name: 'inputNoise',
  options: { stddev: schemas.nonNegative, kind: kindSchema.optional() },
  setup: ({ stddev, kind = 'additive' }: InputNoiseOptions) => ({
    order: Order.noise,
    transformBatch: (batch, ctx) => ({ ...batch, x: perturb(batch.x, stddev, kind, ctx.random) }),
  }),
});

/** Options of {@link hiddenNoise}. */
export interface HiddenNoiseOptions extends InputNoiseOptions {
  /** Which sites; default every hidden site. */
  sites?: SiteSelector;
}

/**
 * Gaussian noise on hidden activations in training — "augmentation at
 * multiple levels of abstraction" (Poole et al. 2014). Declared for mode
 * `'train'` only (the default), so inference sees clean activations.
 */
export const hiddenNoise: (options: HiddenNoiseOptions) => Plugin = definePlugin({
  name: 'hiddenNoise',
  options: { stddev: schemas.nonNegative, kind: kindSchema.optional(), sites: siteSelectorSchema.optional() },
  setup: ({ stddev, kind = 'additive', sites = { kinds: ['hidden'] } }: HiddenNoiseOptions) => ({
    order: Order.noise,
    transformActivation: (site, h, ctx) => (site.kind !== 'output' && matchesSite(site, sites) ? perturb(h, stddev, kind, ctx.random) : h),
  }),
});
