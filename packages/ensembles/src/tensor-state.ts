import * as tf from '@tensorflow/tfjs-core';

/** A tensor in a plugin's checkpoint state: its shape, and its values as a Float32Array (binary in checkpoint files). */
export interface SavedTensor {
  shape: number[];
  /** number[] in checkpoints written before the values were binary. */
  values: Float32Array | number[];
}

/** Named tensors for a plugin state (a host read: checkpoint time only). */
export function tensorsToJSON(values: ReadonlyMap<string, tf.Tensor>): Record<string, SavedTensor> {
  return Object.fromEntries([...values].map(([k, t]) => [k, { shape: t.shape, values: Float32Array.from(t.dataSync()) }]));
}

/** Kept tensors back from {@link tensorsToJSON}'s form. */
export function tensorsFromJSON(saved: Record<string, SavedTensor>): Map<string, tf.Tensor> {
  return new Map(Object.entries(saved).map(([k, v]) => [k, tf.keep(tf.tensor(v.values, v.shape))]));
}
