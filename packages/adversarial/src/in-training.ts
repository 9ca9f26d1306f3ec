import * as tf from '@tensorflow/tfjs-core';
import { nn, type Batch, type StepContext } from '@tikhonov/core';
import type { Attack, AttackModel } from './attack.js';
import { labelObjective } from './objective.js';
import { singleTargets } from './run-attack.js';

/**
 * The model as an attack inside a step sees it: a nested forward pass in
 * inference mode (dropout and friends off, by their declared modes), tagged
 * so recording plugins can tell it from the step's own.
 */
export function stepModel(ctx: StepContext, tag: string): AttackModel {
  return (x) => nn.single(ctx.forward(x, { mode: 'infer', tag }), tag);
}

/** Adversarial inputs for a training batch against its own (possibly smoothed) targets. */
export function attackBatch(attack: Attack, batch: Batch, ctx: StepContext, who: string): tf.Tensor {
  const labels = singleTargets(batch.y, who);
  const { objective, success } = labelObjective(attack.loss, labels, false);
  return attack.perturb({ model: stepModel(ctx, who), x: batch.x, objective, success, random: ctx.random });
}
