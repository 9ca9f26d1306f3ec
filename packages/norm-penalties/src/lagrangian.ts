import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, paramSelectorSchema, schemas, z, type ParamInfo, type ParamSelector, type Plugin } from '@tikhonov/core';
import { resolveGroups } from './selection.js';

/** Options of {@link lagrangian}. */
export interface LagrangianOptions {
  /** The constraint Ω(θ) ≤ k. */
  k: number;
  /** Ω: ‖θ‖₂ (default) or ‖θ‖₁ over the selected params together. */
  norm?: 'l2' | 'l1';
  select?: ParamSelector;
  /** Step size of the dual ascent on α. */
  dualRate: number;
  /** Starting multiplier; default 0. */
  initialAlpha?: number;
  name?: string;
}

/** Ω(θ) of a list of params. */
export function groupNorm(params: readonly ParamInfo[], norm: 'l2' | 'l1'): tf.Scalar {
  return tf.tidy(() => {
    const parts = params.map((p) => (norm === 'l2' ? tf.sum(tf.square(p.variable)) : tf.sum(tf.abs(p.variable))));
    const total = parts.length === 1 ? parts[0]! : tf.addN(parts);
    return (norm === 'l2' ? tf.sqrt(total) : total) as tf.Scalar;
  });
}

/**
 * The generalised Lagrangian of seed §7.3, L(θ, α) = J(θ) + α(Ω(θ) − k),
 * solved by gradient descent on θ (the optimizer) and projected dual ascent
 * on the KKT multiplier: α ← max(0, α + dualRate·(Ω(θ) − k)) after each step,
 * so α rises while Ω > k and falls while Ω < k. α and Ω are reported every
 * step (`<name>.alpha`, `<name>.omega` in the history's log rows). α stays on
 * the backend; it is read only for checkpoints.
 */
export const lagrangian: (options: LagrangianOptions) => Plugin = definePlugin({
  name: 'lagrangian',
  options: {
    k: schemas.positive,
    norm: z.enum(['l2', 'l1'], { message: "must be 'l2' or 'l1'" }).optional(),
    select: paramSelectorSchema.optional(),
    dualRate: schemas.positive,
    initialAlpha: schemas.nonNegative.optional(),
  },
  setup(opts: LagrangianOptions, name) {
    const norm = opts.norm ?? 'l2';
    let params: ParamInfo[] = [];
    let alpha: tf.Variable | undefined;
    // tidy frees the initial scalar: a variable keeps its own reference to the storage
    const multiplier = () => (alpha ??= tf.tidy(() => tf.variable(tf.scalar(opts.initialAlpha ?? 0), false)));
    return {
      // the dual ascent reads Ω after the optimizer's update, before decay and constraints move θ
      afterStepKind: 'update',
      beforeFit(ctx) {
        params = resolveGroups(name, ctx.params.all, 1, opts.select).map((t) => t.param);
        multiplier();
      },
      penalty() {
        return tf.mul(multiplier(), tf.sub(groupNorm(params, norm), opts.k)) as tf.Scalar;
      },
      afterStep(ctx) {
        const omega = groupNorm(params, norm);
        const a = multiplier();
        a.assign(tf.relu(tf.add(a, tf.mul(opts.dualRate, tf.sub(omega, opts.k)))));
        ctx.report('alpha', a as unknown as tf.Scalar);
        ctx.report('omega', omega);
      },
      dispose() {
        alpha?.dispose();
        alpha = undefined;
      },
      stateDict: () => ({ alpha: alpha ? alpha.dataSync()[0]! : (opts.initialAlpha ?? 0) }),
      loadStateDict(state) {
        tf.tidy(() => multiplier().assign(tf.scalar(Number(state.alpha))));
      },
    };
  },
});
