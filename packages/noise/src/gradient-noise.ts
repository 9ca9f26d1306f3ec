import * as tf from '@tensorflow/tfjs-core';
import { schemas, validateOptions, z, type Plugin } from '@tikhonov/core';

/** Options of {@link gradientNoise}. */
export interface GradientNoiseOptions {
  /** η in σ_t² = η/(1 + t)^γ. */
  eta: number;
  /** γ; default 0.55 (Neelakantan et al. 2015). */
  gamma?: number;
  name?: string;
}

/** The noise variance at step t: η/(1 + t)^γ. */
export function gradientNoiseVariance(eta: number, gamma: number, step: number): number {
  return eta / (1 + step) ** gamma;
}

/**
 * Annealed Gaussian gradient noise (Neelakantan et al. 2015): adds
 * N(0, σ_t²) to every gradient, σ_t² = η/(1 + t)^γ at step t.
 */
export function gradientNoise(options: GradientNoiseOptions): Plugin {
  const { eta, gamma = 0.55, name = 'gradientNoise' } = validateOptions(
    'gradientNoise',
    z.object({ eta: schemas.nonNegative, gamma: schemas.nonNegative.optional(), name: z.string().min(1).optional() }).strict(),
    options,
  ) as GradientNoiseOptions;
  return {
    name,
    apiVersion: 1,
    transformGradients(grads, ctx) {
      const sd = Math.sqrt(gradientNoiseVariance(eta, gamma, ctx.step));
      return Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.add(g, ctx.random.normal(g.shape, 0, sd))]));
    },
  };
}
