import * as tf from '@tensorflow/tfjs-core';
import { columnNorms, definePlugin, paramSelectorSchema, projectMaxNorm, scaleIntoBall, schemas, z, type ParamInfo, type ParamSelector, type Plugin, type PluginHooks } from '@tikhonov/core';
import { resolveGroups } from './selection.js';

/** Norm of each unit's incoming weights (reduced over the param's fanInAxes), keeping dims for broadcasting. */
export function unitNorms(p: ParamInfo, value: tf.Tensor = p.variable): tf.Tensor {
  return columnsAreUnits(p) ? columnNorms(value) : tf.sqrt(tf.sum(tf.square(value), [...p.fanInAxes], true));
}

/** True for kernels whose fan-in is every axis but the last (dense, conv): core's column operations apply. */
function columnsAreUnits(p: ParamInfo): boolean {
  const rank = p.shape.length;
  return rank >= 2 && p.fanInAxes.length === rank - 1 && p.fanInAxes.every((a, i) => a === i);
}

/** The hooks of a projection applied after every step: `project` maps the selected params to their projected values. */
function constraint(name: string, select: ParamSelector | undefined, project: (params: readonly ParamInfo[]) => tf.Tensor[]): PluginHooks {
  let params: ParamInfo[] = [];
  return {
    // constraints run after updates and decay, so every step ends inside the feasible set
    afterStepKind: 'constraint',
    beforeFit(ctx) {
      params = resolveGroups(name, ctx.params.all, 1, select).map((t) => t.param);
    },
    afterStep(ctx) {
      project(params).forEach((value, i) => ctx.params.write(params[i]!, value));
    },
  };
}

/** A constraint acting on each param alone. */
const perParam = (name: string, select: ParamSelector | undefined, project: (p: ParamInfo) => tf.Tensor) => constraint(name, select, (params) => params.map(project));

/** Options of {@link maxNorm}. */
export interface MaxNormOptions {
  /** Radius c of the ball each unit's incoming weight vector is kept in. */
  c: number;
  select?: ParamSelector;
  name?: string;
}

/**
 * Max-norm constraint (Hinton et al. 2012; Srivastava et al. 2014; seed §7.3):
 * after each step, every unit whose incoming weight vector has norm above c is
 * scaled back onto the sphere of radius c; units inside the ball are left
 * exactly as they are.
 */
export const maxNorm: (options: MaxNormOptions) => Plugin = definePlugin({
  name: 'maxNorm',
  options: { c: schemas.positive, select: paramSelectorSchema.optional() },
  // One full-size multiply by a per-unit factor min(1, c/‖w‖); w·1 = w exactly, so units inside the ball keep their
  // bits. Dense and conv kernels go through core's projectMaxNorm (one fused kernel where the backend has it).
  setup: ({ c, select }: MaxNormOptions, name) =>
    perParam(name, select, (p) => (columnsAreUnits(p) ? projectMaxNorm(p.variable, c) : scaleIntoBall(p.variable, unitNorms(p), c))),
});

/** Keeps each unit's incoming weight vector at unit norm (a zero vector stays zero). */
export const unitNorm: (options?: { select?: ParamSelector; name?: string }) => Plugin = definePlugin({
  name: 'unitNorm',
  options: { select: paramSelectorSchema.optional() },
  setup: ({ select }: { select?: ParamSelector }, name) => perParam(name, select, (p) => tf.div(p.variable, tf.maximum(unitNorms(p), 1e-12))),
});

/** Keeps weights ≥ 0 (projection onto the non-negative orthant). */
export const nonNeg: (options?: { select?: ParamSelector; name?: string }) => Plugin = definePlugin({
  name: 'nonNeg',
  options: { select: paramSelectorSchema.optional() },
  setup: ({ select }: { select?: ParamSelector }, name) => perParam(name, select, (p) => tf.relu(p.variable)),
});

/**
 * Euclidean projection of v onto the L¹ ball of radius k (Duchi et al. 2008),
 * all on the backend: sort |v|, find the threshold θ, soft-threshold.
 */
export function projectL1Ball(v: tf.Tensor, k: number): tf.Tensor {
  return tf.tidy(() => {
    const flat = tf.reshape(v, [-1]);
    const abs = tf.abs(flat);
    const n = flat.shape[0]!;
    const sorted = tf.topk(abs, n).values;
    const cumulative = tf.cumsum(sorted);
    const j = tf.range(1, n + 1, 1, 'float32');
    const positive = tf.greater(sorted, tf.div(tf.sub(cumulative, k), j));
    const rho = tf.sum(tf.cast(positive, 'int32'));
    const theta = tf.div(tf.sub(tf.gather(cumulative, tf.sub(rho, tf.scalar(1, 'int32'))), k), tf.cast(rho, 'float32'));
    const projected = tf.mul(tf.sign(flat), tf.relu(tf.sub(abs, theta)));
    const inside = tf.lessEqual(tf.sum(abs), k);
    return tf.reshape(tf.where(inside, flat, projected), v.shape);
  });
}

/** Options of {@link normConstraint}. */
export interface NormConstraintOptions {
  /** The bound: Ω(θ) ≤ k over all selected params taken together. */
  k: number;
  norm?: 'l2' | 'l1';
  select?: ParamSelector;
  name?: string;
}

/**
 * Explicit constraint with reprojection (seed §7.3): after each step, project
 * the selected params (as one vector) back to the nearest point with
 * ‖θ‖₂ ≤ k (scaling) or ‖θ‖₁ ≤ k (Duchi et al.'s projection).
 */
export const normConstraint: (options: NormConstraintOptions) => Plugin = definePlugin({
  name: 'normConstraint',
  options: { k: schemas.positive, norm: z.enum(['l2', 'l1'], { message: "must be 'l2' or 'l1'" }).optional(), select: paramSelectorSchema.optional() },
  setup: ({ k, norm = 'l2', select }: NormConstraintOptions, name) =>
    // the selected params as one vector: scaled onto the L² ball, or Duchi et al.'s L¹ projection
    constraint(name, select, (params) => {
      const flat = tf.concat(params.map((p) => tf.reshape(p.variable, [-1])));
      const size = norm === 'l2' ? tf.norm(flat) : undefined;
      const projected = size ? tf.where(tf.greater(size, k), tf.mul(flat, tf.div(k, size)), flat) : projectL1Ball(flat, k);
      let offset = 0;
      return params.map((p) => {
        const part = tf.reshape(tf.slice(projected, offset, p.variable.size), p.shape as number[]);
        offset += p.variable.size;
        return part;
      });
    }),
});
