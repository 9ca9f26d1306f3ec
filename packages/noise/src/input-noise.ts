import { matchesSite, Order, schemas, siteSelectorSchema, validateOptions, z, type Plugin, type SiteSelector } from '@tikhonov/core';
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
 * Training only; inference sees clean inputs.
 */
export function inputNoise(options: InputNoiseOptions): Plugin {
  const { stddev, kind = 'additive', name = 'inputNoise' } = validateOptions(
    'inputNoise',
    z.object({ stddev: schemas.nonNegative, kind: kindSchema.optional(), name: z.string().min(1).optional() }).strict(),
    options,
  ) as InputNoiseOptions;
  return {
    name,
    apiVersion: 1,
    order: Order.noise,
    transformBatch: (batch, ctx) => ({ ...batch, x: perturb(batch.x, stddev, kind, ctx.random) }),
  };
}

/** Options of {@link hiddenNoise}. */
export interface HiddenNoiseOptions extends InputNoiseOptions {
  /** Which sites; default every hidden site. */
  sites?: SiteSelector;
}

/**
 * Gaussian noise on hidden activations in training — "augmentation at
 * multiple levels of abstraction" (Poole et al. 2014).
 */
export function hiddenNoise(options: HiddenNoiseOptions): Plugin {
  const { stddev, kind = 'additive', sites = { kinds: ['hidden'] }, name = 'hiddenNoise' } = validateOptions(
    'hiddenNoise',
    z.object({ stddev: schemas.nonNegative, kind: kindSchema.optional(), sites: siteSelectorSchema.optional(), name: z.string().min(1).optional() }).strict(),
    options,
  ) as HiddenNoiseOptions;
  return {
    name,
    apiVersion: 1,
    order: Order.noise,
    transformActivation: (site, h, ctx) => (ctx.training && site.kind !== 'output' && matchesSite(site, sites) ? perturb(h, stddev, kind, ctx.random) : h),
  };
}
