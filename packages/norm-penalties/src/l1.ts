import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, paramSelectorSchema, schemas, z, type ParamInfo, type ParamSelector, type Plugin, type PluginHooks, type StepContext } from '@tikhonov/core';
import { centerSchema, Centers, type Center } from './center.js';
import { coefficientSchema, resolveGroups, type Group } from './selection.js';

/** Options of {@link l1}. */
export interface L1Options {
  /** α in α‖w − w₀‖₁: one number, or per-group values. */
  alpha: number | readonly Group[];
  /**
   * `'subgradient'` (default): adds α‖w − w₀‖₁ to the loss (gradient α·sign(w − w₀), eq. 7.10);
   * weights hover around zero but rarely reach it. `'proximal'`: after each
   * optimizer step applies soft-thresholding w ← w₀ + sign(d)·max(|d| − ε·α, 0), d = w − w₀
   * (ε = learning rate), the proximal operator of the L¹ norm: weights reach exact zeros.
   */
  method?: 'subgradient' | 'proximal';
  center?: Center;
  select?: ParamSelector;
  name?: string;
}

const methodSchema = z.enum(['subgradient', 'proximal'], { message: "must be 'subgradient' or 'proximal'" });

const optionShape = {
  alpha: coefficientSchema,
  method: methodSchema.optional(),
  center: centerSchema.optional(),
  select: paramSelectorSchema.optional(),
};

/** Soft-thresholding, the proximal operator of t·|x|: sign(x)·max(|x| − t, 0). */
export function softThreshold(x: tf.Tensor, t: number | tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.sign(x), tf.relu(tf.sub(tf.abs(x), t))));
}

/** The learning rate a proximal step needs, or an error saying why it is missing. */
export function requireLearningRate(owner: string, ctx: { learningRate: number | undefined }): number {
  const lr = ctx.learningRate;
  if (lr === undefined) throw new Error(`${owner}: the proximal step needs the optimizer's learning rate, and this optimizer exposes none; use method 'subgradient'`);
  return lr;
}

/** L¹ parameter penalty (seed §7.2.2): sparse weights, exact zeros with `method: 'proximal'`. */
export const l1: (options: L1Options) => Plugin = definePlugin({ name: 'l1', options: optionShape, setup: l1Hooks });

/** The hooks of an L¹ plugin: a penalty (subgradient) or a soft-threshold after the step (proximal). */
function l1Hooks(opts: L1Options, name: string): PluginHooks {
  const method = opts.method ?? 'subgradient';
  const centers = new Centers(name, opts.center ?? 0);
  let terms: Array<{ param: ParamInfo; alpha: number }> = [];
  const shared: PluginHooks = {
    beforeFit(ctx) {
      terms = resolveGroups(name, ctx.params.all, opts.alpha, opts.select).filter((t) => t.alpha > 0);
      centers.capture(terms.map((t) => t.param));
      if (method === 'proximal') requireLearningRate(name, ctx);
    },
    stateDict: () => centers.stateDict(),
    loadStateDict: (state) => centers.loadStateDict(state),
    dispose: () => centers.dispose(),
  };
  if (method === 'subgradient') {
    return {
      ...shared,
      penalty() {
        let total: tf.Scalar | undefined;
        for (const { param, alpha } of terms) {
          const term = tf.mul(alpha, tf.sum(tf.abs(centers.offset(param)))) as tf.Scalar;
          total = total ? (tf.add(total, term) as tf.Scalar) : term;
        }
        return total;
      },
    };
  }
  return {
    ...shared,
    // the proximal step completes the gradient update, before decay and constraints
    afterStepKind: 'update',
    afterStep(ctx: StepContext) {
      const lr = requireLearningRate(name, ctx);
      for (const { param, alpha } of terms) {
        const d = centers.offset(param);
        const shrunk = softThreshold(d, lr * alpha);
        ctx.params.write(param, d === param.variable ? shrunk : tf.add(shrunk, tf.sub(param.variable, d)));
      }
    },
  };
}

/** Options of {@link elasticNet}. */
export interface ElasticNetOptions {
  /** α₁ of the L¹ term α₁‖w‖₁. */
  l1: number;
  /** α₂ of the L² term α₂/2·‖w‖². */
  l2: number;
  method?: 'subgradient' | 'proximal';
  select?: ParamSelector;
  name?: string;
}

/**
 * Elastic net: α₁‖w‖₁ + α₂/2·‖w‖² (Zou & Hastie 2005). With `'proximal'` the
 * L² part stays in the loss and the L¹ part is a soft-threshold after the step.
 */
export const elasticNet: (options: ElasticNetOptions) => Plugin = definePlugin({
  name: 'elasticNet',
  options: {
    l1: schemas.nonNegative,
    l2: schemas.nonNegative,
    method: methodSchema.optional(),
    select: paramSelectorSchema.optional(),
  },
  setup(opts: ElasticNetOptions, name) {
    const lasso = l1Hooks({ alpha: opts.l1, method: opts.method, select: opts.select }, name);
    let terms: ParamInfo[] = [];
    return {
      ...lasso,
      beforeFit(ctx) {
        lasso.beforeFit!(ctx);
        terms = resolveGroups(name, ctx.params.all, opts.l2, opts.select).map((t) => t.param);
      },
      penalty(ctx) {
        let total = lasso.penalty?.(ctx);
        if (opts.l2 > 0) {
          for (const p of terms) {
            const term = tf.mul(opts.l2 / 2, tf.sum(tf.square(p.variable))) as tf.Scalar;
            total = total ? (tf.add(total, term) as tf.Scalar) : term;
          }
        }
        return total;
      },
    };
  },
});
