import * as tf from '@tensorflow/tfjs-core';
import { schemas, validateOptions, z } from '@tikhonov/core';
import { ascentDirection, project, type Norm } from './ball.js';
import { formatEpsilon, lossSchema, normSchema, normSymbol, objectiveGradient, rangeSchema, registerAttack, type Attack, type AttackProblem } from './attack.js';
import type { AttackLoss } from './objective.js';

/** Options of {@link fgsm}. */
export interface FgsmOptions {
  /** Size of the perturbation: its max-norm (L∞, default) or Euclidean norm (L2). */
  epsilon: number;
  /** `'linf'`: x + ε·sign(∇ₓJ) (Goodfellow et al. 2015); `'l2'`: x + ε·∇ₓJ/‖∇ₓJ‖₂ (the fast gradient method). */
  norm?: Norm;
  /** The loss J it raises; default softmax cross-entropy on logits. */
  loss?: AttackLoss;
  /** Data range to clip to, e.g. [0, 1]; default none (inputs are not clipped). */
  range?: [number, number];
}

const schema = z
  .object({ epsilon: schemas.nonNegative, norm: normSchema.optional(), loss: lossSchema.optional(), range: rangeSchema.optional() })
  .strict();

/**
 * The fast gradient sign method (seed §7.13, deck 004): one step
 * x̃ = x + ε·sign(∇ₓJ(θ, x, y)), then clipped to the declared data range.
 * For a linear model wᵀx it moves the output by exactly ε‖w‖₁ — tiny per
 * feature, large in many dimensions.
 */
export function fgsm(options: FgsmOptions): Attack {
  const o = validateOptions('fgsm', schema, options) as FgsmOptions;
  const norm = o.norm ?? 'linf';
  const range = o.range as readonly [number, number] | undefined;
  const attack: Attack = {
    kind: 'fgsm',
    name: `FGSM ${normSymbol(norm)}`,
    label: `FGSM ${normSymbol(norm)} ε=${formatEpsilon(o.epsilon)}`,
    epsilon: o.epsilon,
    norm,
    steps: 1,
    restarts: 1,
    loss: o.loss ?? 'crossEntropy',
    range,
    perturb: (problem: AttackProblem) =>
      tf.tidy(() => {
        const from = problem.start ?? problem.x;
        const g = objectiveGradient(problem, from);
        return project(tf.add(from, tf.mul(o.epsilon, ascentDirection(g, norm))), problem.x, o.epsilon, norm, range);
      }),
    at: (epsilon: number) => fgsm({ ...o, epsilon }),
  };
  return registerAttack(attack);
}
