import * as tf from '@tensorflow/tfjs-core';
import type { Batch, Dataset, Targets } from '../data/dataset.js';
import { DataError } from '../errors.js';
import type { ResolvedLoss } from '../losses.js';
import { isRecord } from '../nn/module.js';
import type { ModelOutput } from '../nn/types.js';

/** The rows `index` of a data set (a training batch: a gather, no host read). */
export function gatherBatch(data: Dataset, index: tf.Tensor1D): Batch {
  const take = (t: tf.Tensor) => tf.gather(t, index);
  const y = data.y instanceof tf.Tensor ? take(data.y) : Object.fromEntries(Object.entries(data.y).map(([k, v]) => [k, take(v)]));
  return { x: take(data.x), y, weight: data.weight ? take(data.weight) : undefined };
}

/** Rows [start, start + size) of a data set (inference batches, in order). */
export function sliceBatch(data: Dataset, start: number, size: number): Batch {
  const take = (t: tf.Tensor) => tf.slice(t, start, size);
  const y = data.y instanceof tf.Tensor ? take(data.y) : Object.fromEntries(Object.entries(data.y).map(([k, v]) => [k, take(v)]));
  return { x: take(data.x), y, weight: data.weight ? take(data.weight) : undefined };
}

/** One output (or target) by name, or the single one when `name` is undefined, with a clear error otherwise. */
export function pickOutput(out: ModelOutput | Targets, name: string | undefined): tf.Tensor {
  if (name === undefined) {
    if (isRecord(out)) throw new DataError(`expected one tensor, got named outputs (${Object.keys(out).join(', ')})`);
    return out;
  }
  if (!isRecord(out)) throw new DataError(`expected named outputs including '${name}', got one tensor`);
  const t = out[name];
  if (!t) throw new DataError(`no output named '${name}' (have ${Object.keys(out).join(', ')})`);
  return t;
}

/** The weighted sum of the losses of every output. */
export function dataLoss(losses: readonly ResolvedLoss[], out: ModelOutput, y: Targets, weight?: tf.Tensor): tf.Scalar {
  let total: tf.Scalar | undefined;
  for (const loss of losses) {
    const value = loss.fn(pickOutput(out, loss.output), pickOutput(y, loss.output), weight);
    const weighted: tf.Scalar = loss.weight === 1 ? value : tf.mul(value, loss.weight);
    total = total ? (tf.add(total, weighted) as tf.Scalar) : weighted;
  }
  return total!;
}
