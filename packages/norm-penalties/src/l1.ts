import * as tf from '@tensorflow/tfjs-core';
import { paramSelectorSchema, validateOptions, z, type ParamInfo, type ParamSelector, type Plugin, type StepContext } from '@tikhonov/core';
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

const schema = z
  .object({
    alpha: coefficientSchema,
    method: z.enum(['subgradient', 'proximal'], { message: "must be 'subgradient' or 'proximal'" }).optional(),
    center: centerSchema.optional(),
    select: paramSelectorSchema.optional(),
    name: z.string().min(1).optional(),
  })
  .strict();

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
export function l1(options: L1Options): Plugin {
  const opts = validateOptions('l1', schema, options) as L1Options;
  const name = opts.name ?? 'l1';
  const method = opts.method ?? 'subgradient';
  const centers = new Centers(name, opts.center ?? 0);
  let terms: Array<{ param: ParamInfo; alpha: number }> = [];
  const plugin: Plugin = {
    name,
    apiVersion: 2,
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
      ...plugin,
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
    ...plugin,
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

const elasticSchema = z
  .object({
    l1: z.number().finite().nonnegative(),
    l2: z.number().finite().nonnegative(),
    method: z.enum(['subgradient', 'proximal']).optional(),
    select: paramSelectorSchema.optional(),
    name: z.string().min(1).optional(),
  })
  .strict();

/**
 * Elastic net: α₁‖w‖₁ + α₂/2·‖w‖² (Zou & Hastie 2005). With `'proximal'` the
 * L² part stays in the loss and the L¹ part is a soft-threshold after the step.
 */
export function elasticNet(options: ElasticNetOptions): Plugin {
  const opts = validateOptions('elasticNet', elasticSchema, options) as ElasticNetOptions;
  const name = opts.name ?? 'elasticNet';
  const lasso = l1({ alpha: opts.l1, method: opts.method, select: opts.select, name });
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
}
