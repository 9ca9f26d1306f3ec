import * as tf from '@tensorflow/tfjs-core';
import { DataError, nn, OptionError, RandomStream, schemas, Trainer, validateOptions, z } from '@tikhonov/core';
import { attackSchema, type Attack, type AttackModel } from './attack.js';
import { labelObjective, predictedClass } from './objective.js';

/** What an attack runs against: a Trainer (its inference, through every `wrapPredict`) or a differentiable function. */
export type AttackSource = Trainer | AttackModel;

/** Options of {@link runAttack}. */
export interface RunAttackOptions {
  attack: Attack;
  /** True labels (class ids [n] or rows [n, k]). Default: the model's own predictions, so no true label leaks in. */
  labels?: tf.Tensor;
  /** Target classes [n] for a targeted attack: the attack lowers the loss against them. */
  target?: tf.Tensor;
  /** Several ε in one call (the attack rebuilt at each); default the attack's own. */
  epsilons?: number[];
  /** Seeds the random starts. Default 0. */
  seed?: number;
  /** Examples attacked at once. Default 256. */
  batchSize?: number;
}

/** The adversarial inputs at one ε (the caller disposes `x`). */
export interface AttackResult {
  epsilon: number;
  x: tf.Tensor;
}

const schema = z
  .object({
    attack: attackSchema,
    labels: z.instanceof(tf.Tensor, { message: 'must be a tensor of class ids [n] or rows [n, k]' }).optional(),
    target: z.instanceof(tf.Tensor, { message: 'must be a tensor of class ids [n]' }).optional(),
    epsilons: z.array(schemas.nonNegative, { message: 'must be an array of numbers ≥ 0' }).min(1, { message: 'must hold at least one ε' }).optional(),
    seed: schemas.seed.optional(),
    batchSize: schemas.positiveInt.optional(),
  })
  .strict();

/** The differentiable forward of a source: a Trainer runs in inference mode (dropout off, `wrapPredict` applied). */
export function attackModelOf(source: AttackSource): AttackModel {
  if (source instanceof Trainer) return (x) => nn.single(source.predict(x, { batchSize: x.shape[0]! }), 'attack');
  if (typeof source === 'function') return source;
  throw new OptionError('runAttack', 'source', source, 'use a Trainer or a function x => logits');
}

/**
 * Adversarial versions of x under an attack, at one or several ε, batched
 * on the active backend; no tensor is left behind but the results. Without
 * `labels` the attack uses the model's predictions; with `target` it is
 * targeted.
 */
export function runAttack(source: AttackSource, x: tf.Tensor, options: RunAttackOptions): AttackResult[] {
  const o = validateOptions('runAttack', schema, options) as RunAttackOptions;
  const model = attackModelOf(source);
  const n = x.shape[0]!;
  for (const [key, t] of [['labels', o.labels], ['target', o.target]] as const) {
    if (t && t.shape[0] !== n) throw new OptionError('runAttack', key, t, `must have one row per example of x (${n}), has ${t.shape[0]}`);
  }
  if (o.target && o.attack.loss === 'mse') throw new OptionError('runAttack', 'target', o.target, "a targeted attack needs a classifier's loss, not 'mse'");
  if (!o.labels && !o.target && o.attack.loss === 'mse') {
    throw new OptionError('runAttack', 'labels', undefined, "an attack with loss 'mse' needs the true targets: the model's own output has zero loss and gradient");
  }
  const batchSize = o.batchSize ?? 256;
  const epsilons = o.epsilons ?? [o.attack.epsilon];
  return epsilons.map((epsilon) => {
    const attack = epsilon === o.attack.epsilon ? o.attack : o.attack.at(epsilon);
    const parts: tf.Tensor[] = [];
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      parts.push(
        tf.tidy(() => {
          const xb = tf.slice(x, start, size);
          const given = o.target ?? o.labels;
          const labels = given ? tf.slice(given, start, size) : predictedClass(attack.loss, model(xb));
          const { objective, success } = labelObjective(attack.loss, labels, o.target !== undefined);
          // keyed by the ε's value, not its place in the list: an ε gets the same starts in any grid
          const random = new RandomStream(['runAttack', o.seed ?? 0, epsilon, start]);
          return attack.perturb({ model, x: xb, objective, success, random });
        }),
      );
    }
    if (parts.length === 1) return { epsilon, x: parts[0]! };
    const all = tf.concat(parts);
    tf.dispose(parts);
    return { epsilon, x: all };
  });
}

/** Checks that a batch's targets are one tensor (attacks in training need a single output). */
export function singleTargets(y: tf.Tensor | Record<string, tf.Tensor>, who: string): tf.Tensor {
  if (y instanceof tf.Tensor) return y;
  throw new DataError(`${who}: the batch has named targets (${Object.keys(y).join(', ')}); adversarial training needs one output`);
}
