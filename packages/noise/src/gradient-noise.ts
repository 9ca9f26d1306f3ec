import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, schemas, type Plugin } from '@tikhonov/core';

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
export const gradientNoise: (options: GradientNoiseOptions) => Plugin = definePlugin({
  name: 'gradientNoise',
  options: { eta: schemas.nonNegative, gamma: schemas.nonNegative.optional() },
  setup: ({ eta, gamma = 0.55 }: GradientNoiseOptions) => ({
    transformGradients(grads, ctx) {
      const sd = Math.sqrt(gradientNoiseVariance(eta, gamma, ctx.step));
      return Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.add(g, ctx.random.normal(g.shape, 0, sd))]));
    },
  }),
});
