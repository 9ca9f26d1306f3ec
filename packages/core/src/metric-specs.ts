import * as tf from '@tensorflow/tfjs-core';
import { OptionError } from './errors.js';
import { accuracyOf } from './metrics.js';
import { z } from './options.js';

/** A built-in metric by name. Classification metrics read logits and class ids (or one-hot targets). */
export type MetricName = 'accuracy' | 'precision' | 'recall' | 'f1' | 'mae' | 'mse' | 'r2';

/**
 * The `metrics` option of a Trainer: computed in `evaluate` and at every
 * validation pass (never inside a training step). A name; `{ name:
 * 'topKAccuracy', k }`; or your own `{ name, fn }`, where fn(prediction,
 * target) returns the batch's mean (averaged over examples). `output` picks
 * a named output (required for multi-output models).
 */
export type MetricSpec =
  | MetricName
  | { name: MetricName; output?: string }
  | { name: 'topKAccuracy'; k: number; output?: string }
  | { name: string; fn: (prediction: tf.Tensor, target: tf.Tensor) => tf.Scalar; output?: string };

/** @internal A metric as evaluation runs it: statistics summed over batches on the device, finished on the host. */
export interface ResolvedMetric {
  /** The history key, e.g. `f1` or `head.mae`. */
  readonly key: string;
  readonly output: string | undefined;
  /** Statistics of one batch of n examples, to be summed over batches. */
  stats(prediction: tf.Tensor, target: tf.Tensor, n: number): tf.Tensor;
  /** The metric from the summed statistics over `count` examples. */
  finish(sums: Float32Array, count: number): number;
}

const BUILT_IN = ['accuracy', 'precision', 'recall', 'f1', 'mae', 'mse', 'r2'] as const;

/** @internal zod schema of one metric spec. */
export const metricSpecSchema = z.union(
  [
    z.enum(BUILT_IN),
    z.object({ name: z.enum(BUILT_IN), output: z.string().optional() }).strict(),
    z.object({ name: z.literal('topKAccuracy'), k: z.number().int().positive(), output: z.string().optional() }).strict(),
    z.object({ name: z.string().min(1), fn: z.custom<(p: tf.Tensor, t: tf.Tensor) => tf.Scalar>((f) => typeof f === 'function'), output: z.string().optional() }).strict(),
  ],
  { message: `must be one of ${BUILT_IN.join(', ')}, { name: 'topKAccuracy', k }, or { name, fn(prediction, target) }` },
);

const classIds = (prediction: tf.Tensor, target: tf.Tensor) => (target.rank === prediction.rank ? tf.argMax(target, -1) : tf.cast(tf.reshape(target, [-1]), 'int32'));

/** The confusion matrix [true class, predicted class] of a batch: oneHot(true)ᵀ·oneHot(predicted). */
function confusionOf(prediction: tf.Tensor, target: tf.Tensor): tf.Tensor {
  const classes = prediction.shape[prediction.rank - 1]!;
  return tf.matMul(tf.oneHot(classIds(prediction, target), classes), tf.oneHot(tf.argMax(prediction, -1), classes), true, false);
}

/** Macro averages over classes from a summed confusion matrix; a class with a zero denominator scores 0 (as scikit-learn). */
function macro(sums: Float32Array, which: 'precision' | 'recall' | 'f1'): number {
  const c = Math.round(Math.sqrt(sums.length));
  let total = 0;
  for (let k = 0; k < c; k++) {
    const hit = sums[k * c + k]!;
    let row = 0;
    let column = 0;
    for (let j = 0; j < c; j++) {
      row += sums[k * c + j]!;
      column += sums[j * c + k]!;
    }
    const precision = column > 0 ? hit / column : 0;
    const recall = row > 0 ? hit / row : 0;
    total += which === 'precision' ? precision : which === 'recall' ? recall : precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  }
  return total / c;
}

/** @internal Resolves the metric specs against the model's outputs. */
export function resolveMetrics(specs: readonly MetricSpec[], outputs: readonly (string | undefined)[]): ResolvedMetric[] {
  return specs.map((spec, i) => {
    const o = typeof spec === 'string' ? { name: spec } : spec;
    const output = 'output' in o ? o.output : undefined;
    if (output === undefined && outputs.length > 1) throw new OptionError('Trainer', `metrics[${i}].output`, undefined, `the model has outputs ${outputs.join(', ')}: say which one`);
    if (output !== undefined && !outputs.includes(output)) throw new OptionError('Trainer', `metrics[${i}].output`, output, `must be one of the model's outputs (${outputs.filter(Boolean).join(', ') || 'it has one, unnamed: leave output out'})`);
    const key = `${output ? `${output}.` : ''}${o.name === 'topKAccuracy' ? `top${(o as { k: number }).k}Accuracy` : o.name}`;
    const base = { key, output };
    if ('fn' in o) return { ...base, stats: (p, t, n) => tf.mul(o.fn(p, t), n), finish: (s, count) => s[0]! / count };
    switch (o.name) {
      case 'accuracy':
        // the count of correct predictions is the one evaluate's own accuracy uses
        return { ...base, stats: (p, t) => accuracyOf('softmaxCrossEntropy', p, t)!, finish: (s, count) => s[0]! / count };
      case 'topKAccuracy': {
        const k = (o as { k: number }).k;
        // the true class is among the k largest logits
        return { ...base, stats: (p, t) => tf.sum(tf.cast(tf.equal(tf.topk(p, k).indices, tf.expandDims(classIds(p, t), -1)), 'float32')), finish: (s, count) => s[0]! / count };
      }
      case 'precision':
      case 'recall':
      case 'f1': {
        const which = o.name;
        return { ...base, stats: (p, t) => confusionOf(p, t), finish: (s) => macro(s, which) };
      }
      default:
        return regression(base, o.name as 'mse' | 'r2' | 'mae');
    }
  });
}

/** mae, mse and r2 from per-column sums Σe², Σ|e|, Σy, Σy² (mae and mse: means over examples and columns; r2: the mean over output columns of 1 − SS_res/SS_tot, as scikit-learn's uniform average). */
function regression(base: { key: string; output: string | undefined }, which: 'mse' | 'r2' | 'mae'): ResolvedMetric {
  return {
    ...base,
    stats: (p, t) => {
      const columns = p.size / p.shape[0]!;
      const pred = tf.reshape(p, [-1, columns]);
      const y = tf.reshape(t, [-1, columns]);
      const error = tf.sub(pred, y);
      return tf.stack([tf.sum(tf.square(error), 0), tf.sum(tf.abs(error), 0), tf.sum(y, 0), tf.sum(tf.square(y), 0)]);
    },
    finish: (s, count) => {
      const columns = s.length / 4;
      const at = (row: number, j: number) => s[row * columns + j]!;
      let total = 0;
      for (let j = 0; j < columns; j++) {
        if (which === 'mse') total += at(0, j) / count;
        else if (which === 'mae') total += at(1, j) / count;
        else total += 1 - at(0, j) / (at(3, j) - (at(2, j) * at(2, j)) / count);
      }
      return total / columns;
    },
  };
}

/**
 * The confusion matrix of class predictions: `[true class][predicted class]`
 * counts from logits or probabilities [n, c] and class ids [n] (or one-hot
 * targets), read to the host. For evaluation code, not a training step.
 */
export function confusionMatrix(prediction: tf.Tensor, target: tf.Tensor): number[][] {
  if (prediction.rank !== 2) throw new OptionError('confusionMatrix', 'prediction', prediction.shape, 'must be [examples, classes] logits or probabilities');
  const c = prediction.shape[1]!;
  const counts = tf.tidy(() => confusionOf(prediction, target).dataSync());
  return Array.from({ length: c }, (_, i) => Array.from(counts.subarray(i * c, (i + 1) * c), Math.round));
}
