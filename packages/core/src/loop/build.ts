import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/dataset.js';
import { DataError } from '../errors.js';
import { checkTargets, resolveLosses } from '../losses.js';
import { resolveMetrics } from '../metric-specs.js';
import { checkDataset } from '../data/dataset.js';
import { BuiltModel } from '../nn/model.js';
import type { Shape } from '../nn/types.js';
import { paramTable } from '../params.js';
import { pickOutput } from './batches.js';
import type { RunState } from './run-state.js';

/** Creates the params for one example's shape (seeded by the trainer seed). Idempotent for the same shape. */
export function buildModel(run: RunState, inputShape: readonly number[]): BuiltModel {
  if (run.builtModel) {
    if (run.builtModel.inputShape.join(',') !== inputShape.join(',')) {
      throw new DataError(`x has examples of shape [${inputShape.join(', ')}] but the model was built for [${run.builtModel.inputShape.join(', ')}]`);
    }
    return run.builtModel;
  }
  const model = new BuiltModel(run.options.model, inputShape, run.seed);
  run.losses = resolveLosses(run.options.loss, model.outputShape);
  run.metrics = resolveMetrics(run.options.metrics ?? [], Array.isArray(model.outputShape) ? [undefined] : Object.keys(model.outputShape));
  run.writes.install(model);
  run.builtModel = model;
  run.table = paramTable(model, run.writes);
  return model;
}

/** Builds the model if needed and checks that a data set fits it (input shape, targets per output). */
export function prepareData(run: RunState, data: Dataset, what: string): void {
  if (!data || !(data.x instanceof tf.Tensor)) throw new DataError(`${what} must be a data set (dataset.fromArrays / fromTensors)`);
  checkDataset(data, `${what}: `);
  buildModel(run, data.x.shape.slice(1));
  checkInputShape(run, data.x, what);
  // targets are immutable tensors: a data set checked once (a validation set every pass) is not read again
  if (run.checkedTargets.has(data.y)) return;
  const shape = run.model.outputShape;
  for (const loss of run.losses!) {
    const outShape = (loss.output ? (shape as Record<string, Shape>)[loss.output] : shape) as Shape;
    if (loss.output && (data.y instanceof tf.Tensor || !(loss.output in data.y))) {
      throw new DataError(`${what}: y has no targets for output '${loss.output}'; give y as a record with keys ${run.losses!.map((l) => l.output).join(', ')}`);
    }
    checkTargets(loss, outShape, pickOutput(data.y, loss.output), `${what} y`);
  }
  run.checkedTargets.add(data.y);
}

/** Refuses an input whose examples do not have the model's input shape. */
export function checkInputShape(run: RunState, x: tf.Tensor, what: string): void {
  const got = x.shape.slice(1);
  const want = run.model.inputShape;
  if (got.join(',') !== want.join(',')) {
    throw new DataError(`${what}: x has examples of shape [${got.join(', ')}] but the model takes [${want.join(', ')}]`);
  }
}
