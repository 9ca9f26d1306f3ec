import * as tf from '@tensorflow/tfjs-core';
import { DataError, OptionError } from './errors.js';
import type { Shape } from './nn/types.js';
import { fusedMeanSoftmaxCrossEntropy, fusedMeanSoftmaxCrossEntropyApplies, fusedSoftmaxCrossEntropy, fusedSoftmaxCrossEntropyApplies } from './fused-loss.js';

/** Built-in losses. Cross-entropies take logits (no softmax/sigmoid in the model's last layer). */
export type LossName = 'mse' | 'softmaxCrossEntropy' | 'sigmoidCrossEntropy';
/** A custom loss: per-batch mean of per-example losses, each multiplied by its sample weight when given. */
export type LossFn = (prediction: tf.Tensor, target: tf.Tensor, weight?: tf.Tensor) => tf.Scalar;
/** One output's loss with its weight in the total (multi-task). */
export interface WeightedLoss {
  loss: LossName | LossFn;
  weight?: number;
}
/** The trainer's `loss` option: one loss, or a record naming each output's loss. */
export type LossSpec = LossName | LossFn | Readonly<Record<string, LossName | LossFn | WeightedLoss>>;

export const lossNames: readonly LossName[] = ['mse', 'softmaxCrossEntropy', 'sigmoidCrossEntropy'];

/** Multiplies per-example losses by sample weights and averages over the batch (Keras' convention). */
function reduce(perExample: tf.Tensor, weight?: tf.Tensor): tf.Scalar {
  return weight ? tf.mean(tf.mul(perExample, weight)) : tf.mean(perExample);
}

/** Mean squared error, averaged over the output axes, then over the batch. */
export function meanSquaredError(prediction: tf.Tensor, target: tf.Tensor, weight?: tf.Tensor): tf.Scalar {
  const sq = tf.squaredDifference(prediction, tf.reshape(target, prediction.shape));
  const perExample = prediction.rank > 1 ? tf.mean(tf.reshape(sq, [prediction.shape[0]!, -1]), 1) : sq;
  return reduce(perExample, weight);
}

/** Turns class ids [batch] into one-hot rows; passes one-hot or soft targets [batch, k] through. */
export function targetDistribution(target: tf.Tensor, classes: number): tf.Tensor {
  return target.rank === 1 ? tf.oneHot(tf.cast(target, 'int32'), classes) : target;
}

/** −Σ y·log softmax(logits) per example; targets are class ids, one-hot or soft. */
export function softmaxCrossEntropy(logits: tf.Tensor, target: tf.Tensor, weight?: tf.Tensor): tf.Scalar {
  // unweighted (every training step without sample weights): the mean in one kernel, class ids as they are
  if (!weight && fusedMeanSoftmaxCrossEntropyApplies(logits, target)) return fusedMeanSoftmaxCrossEntropy(logits, target);
  const classes = logits.shape[logits.rank - 1]!;
  const y = targetDistribution(target, classes);
  // one kernel and its gradient where the backend fuses them (src/fused-loss.ts)
  const perExample = fusedSoftmaxCrossEntropyApplies(logits, y) ? fusedSoftmaxCrossEntropy(logits, y) : tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits)), -1));
  return reduce(perExample, weight);
}

/** Binary cross-entropy from logits, computed stably as max(z,0) − z·y + log(1+e^(−|z|)). */
export function sigmoidCrossEntropy(logits: tf.Tensor, target: tf.Tensor, weight?: tf.Tensor): tf.Scalar {
  const y = tf.reshape(tf.cast(target, 'float32'), logits.shape);
  const elementwise = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, y)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
  const perExample = logits.rank > 1 ? tf.mean(tf.reshape(elementwise, [logits.shape[0]!, -1]), 1) : elementwise;
  return reduce(perExample, weight);
}

const builtIn: Record<LossName, LossFn> = {
  mse: meanSquaredError,
  softmaxCrossEntropy,
  sigmoidCrossEntropy,
};

/** A loss resolved for one output. */
export interface ResolvedLoss {
  readonly output: string | undefined;
  readonly name: LossName | 'custom';
  readonly fn: LossFn;
  readonly weight: number;
}

function resolveOne(owner: string, option: string, value: unknown, output: string | undefined, weight: number): ResolvedLoss {
  if (typeof value === 'function') return { output, name: 'custom', fn: value as LossFn, weight };
  if (typeof value === 'string' && (lossNames as readonly string[]).includes(value)) {
    return { output, name: value as LossName, fn: builtIn[value as LossName], weight };
  }
  throw new OptionError(owner, option, value, `use one of ${lossNames.join(', ')} or a function (prediction, target, weight?) => scalar`);
}

/** Resolves the `loss` option against the model's output shape(s). */
export function resolveLosses(spec: LossSpec, outputShape: Shape | Record<string, Shape>): ResolvedLoss[] {
  if (Array.isArray(outputShape)) {
    if (typeof spec === 'object' && spec !== null) {
      throw new OptionError('Trainer', 'loss', spec, 'the model has one output, so give one loss name or function');
    }
    return [resolveOne('Trainer', 'loss', spec, undefined, 1)];
  }
  const outputs = Object.keys(outputShape);
  if (typeof spec !== 'object' || spec === null) {
    throw new OptionError('Trainer', 'loss', spec, `the model has named outputs (${outputs.join(', ')}); give a record { output: loss | { loss, weight } }`);
  }
  for (const key of Object.keys(spec)) {
    if (!outputs.includes(key)) throw new OptionError('Trainer', `loss.${key}`, spec[key], `the model's outputs are ${outputs.join(', ')}`);
  }
  return outputs.map((output) => {
    const entry = spec[output];
    if (entry === undefined) throw new OptionError('Trainer', `loss.${output}`, undefined, 'every output needs a loss');
    if (typeof entry === 'object' && entry !== null) {
      const weight = entry.weight ?? 1;
      if (!(Number.isFinite(weight) && weight >= 0)) throw new OptionError('Trainer', `loss.${output}.weight`, weight, 'must be a finite number ≥ 0');
      return resolveOne('Trainer', `loss.${output}.loss`, entry.loss, output, weight);
    }
    return resolveOne('Trainer', `loss.${output}`, entry, output, 1);
  });
}

/**
 * Checks host-side, once per data set, that targets fit an output under its
 * loss: class ids in [0, k) or [batch, k] rows for softmax cross-entropy, and
 * matching shapes otherwise.
 */
export function checkTargets(loss: ResolvedLoss, outputShape: Shape, target: tf.Tensor, what: string): void {
  const label = loss.output ? `${what} for output '${loss.output}'` : what;
  const exampleShape = target.shape.slice(1);
  if (loss.name === 'softmaxCrossEntropy') {
    const k = outputShape[outputShape.length - 1]!;
    if (exampleShape.length === 0) {
      const ids = target.dataSync();
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!;
        if (!Number.isInteger(id) || id < 0 || id >= k) {
          throw new DataError(`${label}: class id ${id} at row ${i} is out of range; the output has ${k} classes, so ids must be integers in [0, ${k - 1}]`);
        }
      }
      return;
    }
    if (exampleShape.join(',') !== outputShape.join(',')) {
      throw new DataError(`${label}: targets of shape [${exampleShape.join(', ')}] per example do not fit the output [${outputShape.join(', ')}]; give class ids or rows of ${k} probabilities`);
    }
    return;
  }
  if (loss.name === 'custom') return;
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  if (size(exampleShape) !== size(outputShape)) {
    throw new DataError(`${label}: targets of shape [${exampleShape.join(', ')}] per example do not fit the output [${outputShape.join(', ')}] of the ${loss.name} loss`);
  }
}
