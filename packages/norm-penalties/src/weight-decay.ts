import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, paramSelectorSchema, schemas, type ParamInfo, type ParamSelector, type Plugin } from '@tikhonov/core';
import { resolveGroups } from './selection.js';
import { requireLearningRate } from './l1.js';

/** Options of {@link weightDecay}. */
export interface WeightDecayOptions {
  /** λ in w ← w − ε·λ·w_old, applied after the optimizer's own update. */
  rate: number;
  select?: ParamSelector;
  name?: string;
}

/**
 * Decoupled weight decay (Hanson & Pratt 1989; Loshchilov & Hutter's AdamW):
 * each step subtracts ε·λ·w, with w the params before the step and ε the
 * learning rate, independently of the optimizer's gradient transform. For plain
 * SGD this is exactly `l2({ alpha: λ })`; for Adam it is not (the L² gradient
 * would be rescaled by Adam's second-moment estimate, the decay is not).
 *
 * The pre-step params are captured in transformGradients by `tf.clone`, which
 * shares storage with the variable until the optimizer assigns a new value, so
 * the capture costs no copy.
 */
export const weightDecay: (options: WeightDecayOptions) => Plugin = definePlugin({
  name: 'weightDecay',
  options: { rate: schemas.nonNegative, select: paramSelectorSchema.optional() },
  setup(opts: WeightDecayOptions, name) {
    let params: ParamInfo[] = [];
    let before = new Map<ParamInfo, tf.Tensor>();
    return {
      // decay acts on the updated params and before any constraint projects them
      afterStepKind: 'decay',
      beforeFit(ctx) {
        params = resolveGroups(name, ctx.params.all, opts.rate, opts.select).map((t) => t.param);
        requireLearningRate(name, ctx);
      },
      transformGradients(grads) {
        before = new Map(params.map((p) => [p, tf.clone(p.variable)]));
        return grads;
      },
      afterStep(ctx) {
        const shrink = requireLearningRate(name, ctx) * opts.rate;
        for (const p of params) ctx.params.write(p, tf.sub(p.variable, tf.mul(before.get(p)!, shrink)));
        before = new Map();
      },
    };
  },
});
