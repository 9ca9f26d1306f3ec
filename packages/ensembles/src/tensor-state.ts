import * as tf from '@tensorflow/tfjs-core';

/** A tensor in a plugin's checkpoint state: shape and values, plain JSON. */
export interface SavedTensor {
  shape: number[];
  values: number[];
}

/** Named tensors as JSON (a host read: checkpoint time only). */
export function tensorsToJSON(values: ReadonlyMap<string, tf.Tensor>): Record<string, SavedTensor> {
  return Object.fromEntries([...values].map(([k, t]) => [k, { shape: t.shape, values: Array.from(t.dataSync()) }]));
}

/** Kept tensors back from {@link tensorsToJSON}'s form. */
export function tensorsFromJSON(saved: Record<string, SavedTensor>): Map<string, tf.Tensor> {
  return new Map(Object.entries(saved).map(([k, v]) => [k, tf.keep(tf.tensor(v.values, v.shape))]));
}
