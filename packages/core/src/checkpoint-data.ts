import type * as tf from '@tensorflow/tfjs-core';
import type { BuiltModel } from './nn/model.js';

/**
 * Whatever a plugin needs to survive a checkpoint: JSON-serialisable values
 * and typed arrays (Float32Array, Float64Array, Int32Array, Uint8Array),
 * which checkpoint files store in binary (`state.bin`) rather than as JSON numbers.
 */
export type PluginState = Record<string, unknown>;

/** What a checkpoint needs of a plugin (structurally a {@link Plugin}). */
export interface CheckpointedPlugin {
  readonly name: string;
  stateDict?(): PluginState;
  loadStateDict?(state: PluginState): void;
}

/** Format version written into every checkpoint. */
export const CHECKPOINT_FORMAT = 'tikhonov-checkpoint/1';

/**
 * Everything needed to resume a fit exactly, as JSON plus two binary blobs.
 * `model` is a tfjs weights manifest (`weightsManifest: [{ paths, weights }]`)
 * so tfjs users can read the params with `tf.io.decodeWeights`.
 */
export interface CheckpointData {
  model: {
    format: typeof CHECKPOINT_FORMAT;
    weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
    /** Param name → shape, to refuse a checkpoint of another model. */
    params: Array<{ name: string; shape: number[] }>;
  };
  weights: ArrayBuffer;
  optimizer: { className: string; weights: tf.io.WeightsManifestEntry[] };
  optimizerWeights: ArrayBuffer;
  state: {
    seed: number;
    step: number;
    epoch: number;
    batchInEpoch: number;
    history: unknown;
    plugins: Record<string, PluginState>;
  };
}

/** What a checkpoint is read from and written into: a trainer (structurally, so this file needs no trainer import). */
export interface CheckpointTarget {
  readonly seed: number;
  readonly model: BuiltModel;
  readonly optimizer: tf.Optimizer;
  readonly plugins: readonly CheckpointedPlugin[];
  /** @internal Counters and history. */
  progressState(): { step: number; epoch: number; batchInEpoch: number; history: unknown };
  /** @internal Restores counters and history. */
  restoreProgress(state: { step: number; epoch: number; batchInEpoch: number; history: unknown }): void;
}
