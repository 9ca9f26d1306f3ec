import { definePlugin, Order, paramSelectorSchema, RandomStream, schemas, selectOrThrow, z, type ParamSelector, type Plugin } from '@tikhonov/core';
import { kindSchema, perturb, type NoiseKind } from './perturb.js';

/** Options of {@link weightNoise}. */
export interface WeightNoiseOptions {
  /** σ of the noise (covariance ηI with η = σ²). */
  stddev: number;
  kind?: NoiseKind;
  /** Which params; default weights only. */
  select?: ParamSelector;
  /** Draw new noise every step (default) or once per epoch. */
  resample?: 'step' | 'epoch';
  name?: string;
}

/**
 * Weight noise (seed §7.6.2; Graves 2011): the forward pass uses perturbed
 * weights w + ε, ε ~ N(0, ηI), so the gradient is taken at the perturbed
 * point and applied to the clean weights — a stochastic form of Bayesian
 * inference over the weights. It pushes towards regions where small weight
 * changes matter little (penalty η‖∇_w ŷ‖²); for linear regression that term
 * is ηE‖x‖², constant in w, so the gradient stays unbiased. Declared for
 * mode `'train'` only (the default): inference uses the clean weights.
 */
export const weightNoise: (options: WeightNoiseOptions) => Plugin = definePlugin({
  name: 'weightNoise',
  options: {
    stddev: schemas.nonNegative,
    kind: kindSchema.optional(),
    select: paramSelectorSchema.optional(),
    resample: z.enum(['step', 'epoch'], { message: "must be 'step' or 'epoch'" }).optional(),
  },
  setup(opts: WeightNoiseOptions, name) {
    let chosen = new Set<string>();
    let seed = 0;
    return {
      order: Order.noise,
      beforeFit(ctx) {
        chosen = new Set(selectOrThrow(ctx.params.all, opts.select ?? { roles: ['weight'] }, name).map((p) => p.name));
        seed = ctx.seed;
      },
      transformParam(param, value, ctx) {
        if (!chosen.has(param.name)) return value;
        // per epoch: the same draw for every step of the epoch, keyed by (seed, epoch, plugin, param)
        const random = opts.resample === 'epoch' ? new RandomStream([seed, 'epoch', ctx.epoch, name, param.name]) : ctx.random;
        return perturb(value, opts.stddev, opts.kind ?? 'additive', random);
      },
    };
  },
});
