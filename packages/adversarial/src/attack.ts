import * as tf from '@tensorflow/tfjs-core';
import { z } from '@tikhonov/core';
import type { RandomStream } from '@tikhonov/core';
import type { Norm } from './ball.js';
import { ATTACK_LOSSES, type AttackLoss, type Objective, type Success } from './objective.js';

/** A differentiable function from inputs to the model's output (logits for classifiers). */
export type AttackModel = (x: tf.Tensor) => tf.Tensor;

/** One batch to attack: the model, the clean inputs, what to raise and when an example is done. */
export interface AttackProblem {
  readonly model: AttackModel;
  readonly x: tf.Tensor;
  readonly objective: Objective;
  /** Per example: done (misclassified, or at the target). Used by early exit and to pick among restarts. */
  readonly success?: Success;
  /** The random draws of random starts (seeded by the caller). */
  readonly random: RandomStream;
  /** Where an attack without a random start begins instead of x (TRADES starts a hair away from x). */
  readonly start?: tf.Tensor;
}

/**
 * An attack built by {@link fgsm} or {@link pgd}: a recipe with its ε; it
 * holds no tensors. `perturb` returns adversarial inputs for one batch (the
 * caller disposes them); `at` is the same attack at another ε.
 */
export interface Attack {
  readonly kind: 'fgsm' | 'pgd';
  /** The attack without its ε, e.g. `PGD-10 L∞` (what tables and curves group by). */
  readonly name: string;
  /** The attack with its ε, e.g. `PGD-10 L∞ ε=0.1`. */
  readonly label: string;
  readonly epsilon: number;
  readonly norm: Norm;
  /** Gradient steps per restart (1 for FGSM). */
  readonly steps: number;
  readonly restarts: number;
  /** The loss it raises against the labels. */
  readonly loss: AttackLoss;
  /** The declared data range every adversarial input is clipped to, if any. */
  readonly range: readonly [number, number] | undefined;
  perturb(problem: AttackProblem): tf.Tensor;
  at(epsilon: number): Attack;
}

const ATTACKS = new WeakSet<Attack>();

/** Marks an object as an attack built here (what {@link attackSchema} accepts). */
export function registerAttack<A extends Attack>(attack: A): A {
  ATTACKS.add(attack);
  return attack;
}

/** zod schema of an attack option: an object from fgsm(...) or pgd(...). */
export const attackSchema = z.custom<Attack>((v) => typeof v === 'object' && v !== null && ATTACKS.has(v as Attack), {
  message: 'must be an attack built by fgsm({...}) or pgd({...})',
});

/** zod schema of a declared data range [min, max] with min < max. */
export const rangeSchema = z
  .tuple([z.number().finite(), z.number().finite()], { message: 'must be [min, max], two finite numbers' })
  .refine(([lo, hi]) => lo < hi, { message: 'must be [min, max] with min < max' });

/** zod schema of the attack loss option. */
export const lossSchema = z.enum(ATTACK_LOSSES, { message: `must be one of ${ATTACK_LOSSES.join(', ')}` });

/** zod schema of the norm option. */
export const normSchema = z.enum(['linf', 'l2'], { message: "must be 'linf' or 'l2'" });

/** ∇ₓ Σᵢ objective(model(x))ᵢ: every example's own gradient (examples do not interact). */
export function objectiveGradient(problem: AttackProblem, at: tf.Tensor): tf.Tensor {
  return tf.grad((input: tf.Tensor) => tf.sum(problem.objective(problem.model(input))))(at);
}

/** ε as a label: 8/255-style values printed with enough digits to tell them apart. */
export const formatEpsilon = (epsilon: number): string => String(Number(epsilon.toPrecision(4)));

/** The symbol of a norm for labels. */
export const normSymbol = (norm: Norm): string => (norm === 'linf' ? 'L∞' : 'L2');
