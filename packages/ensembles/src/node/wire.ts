import * as tf from '@tensorflow/tfjs-core';
import { dataset, type Dataset, type FitOptions, type Targets } from '@tikhonov/core';

/** A tensor as plain data that crosses a thread boundary (structured clone). */
export interface WireTensor {
  values: Float32Array | Int32Array | Uint8Array;
  shape: number[];
  dtype: tf.DataType;
}

/** A data set as plain data. */
export interface WireDataset {
  x: WireTensor;
  y: WireTensor | Record<string, WireTensor>;
  weight?: WireTensor;
}

/** Fit options as plain data: the validation set travels as a {@link WireDataset}. */
export type WireFit = Omit<FitOptions, 'validation'> & { validation?: { data: WireDataset; every?: 'epoch' | { steps: number } } };

const toWire = (t: tf.Tensor): WireTensor => ({ values: t.dataSync() as WireTensor['values'], shape: [...t.shape], dtype: t.dtype });
const fromWire = (w: WireTensor): tf.Tensor => tf.tensor(w.values, w.shape, w.dtype);

/** Copies a data set to the host (once per run, never inside a step). */
export function datasetToWire(d: Dataset): WireDataset {
  const y = d.y instanceof tf.Tensor ? toWire(d.y) : Object.fromEntries(Object.entries(d.y).map(([k, t]) => [k, toWire(t)]));
  return { x: toWire(d.x), y, ...(d.weight ? { weight: toWire(d.weight) } : {}) };
}

/** The data set back on this thread's backend. */
export function datasetFromWire(w: WireDataset): Dataset {
  const y: Targets = 'values' in w.y ? fromWire(w.y as WireTensor) : Object.fromEntries(Object.entries(w.y).map(([k, t]) => [k, fromWire(t)]));
  return dataset.fromTensors(fromWire(w.x), y, w.weight ? fromWire(w.weight) : undefined);
}

/** Fit options as plain data. */
export function fitToWire(fit: FitOptions): WireFit {
  if (!fit.validation) return fit as WireFit;
  return { ...fit, validation: { ...fit.validation, data: datasetToWire(fit.validation.data) } };
}

/** Fit options back, the validation set on this thread's backend. */
export function fitFromWire(fit: WireFit): FitOptions {
  if (!fit.validation) return fit as FitOptions;
  return { ...fit, validation: { ...fit.validation, data: datasetFromWire(fit.validation.data) } };
}
