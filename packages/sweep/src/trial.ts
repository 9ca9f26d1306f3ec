import type { Params } from './space.js';

/** The data sets a trial can name. */
export const DATA_NAMES = ['digits', 'breast-cancer', 'diabetes', 'fashion-mnist'] as const;

/**
 * A data set named so that any worker can load it where the trial runs:
 * an embedded one (`'digits'`, `'breast-cancer'`, `'diabetes'`) or
 * Fashion-MNIST-format IDX files (`'fashion-mnist'`, from `dir` or the
 * default location). It is split by `trainValidationTest` under `splitSeed`;
 * the trial trains on the training part and is scored on the validation part.
 */
export interface DataRef {
  name: (typeof DATA_NAMES)[number];
  /** IDX directory (fashion-mnist only). */
  dir?: string;
  /** Use the first `limit` training examples (fashion-mnist only). */
  limit?: number;
  /** Fractions of the split. Defaults 0.2 and 0.2. */
  validation?: number;
  test?: number;
  /** Seed of the split. Default 0. */
  splitSeed?: number;
  /** Standardise with the training part's mean and std. Default false. */
  standardize?: boolean;
}

/** What a trial is scored by: a validation metric, read from early stopping's restored best. */
export interface Objective {
  /** A metric of the validation pass, e.g. `'val.loss'` or `'val.accuracy'`. */
  metric: string;
  mode: 'min' | 'max';
}

/** The JSON-only fit options a trial carries (its validation data comes from {@link DataRef}). */
export interface TrialFit {
  batchSize?: number;
  shuffle?: boolean;
  /** Validation every n steps instead of every epoch. */
  validateEverySteps?: number;
}

/**
 * A trial as pure data: everything a worker needs to run it and nothing
 * that lives in the driver's memory. The same description always gives the
 * same result (its seed fixes the trainer's initialisation, batch order and
 * randomness), so `id` — a hash of the description — names it everywhere.
 */
export interface Trial {
  /** Hash of every other field: equal ids, equal trials. */
  readonly id: string;
  /** Index of the configuration in the search (a promoted configuration keeps its index). */
  readonly config: number;
  /** Successive-halving rung (0 for grid and random search). */
  readonly rung: number;
  readonly params: Params;
  readonly seed: number;
  /** Epoch budget of this trial. */
  readonly epochs: number;
  readonly fit: TrialFit;
  readonly data: DataRef;
  readonly objective: Objective;
  /** The trial module (file: URL) as the driver sees it; a worker may be told its own copy's path. */
  readonly module: string;
  /** Export of the module that makes the trainer. */
  readonly exportName: string;
  /** SHA-256 of the trial module's source and the sweep package's version: a worker with other code refuses the trial. */
  readonly codeVersion: string;
  /**
   * Set when the trial trains an ensemble member ({@link members}): the module's
   * export is then `(seed, index) => Trainer`, the member fits the rows of
   * `sample` (with repeats; all rows when null), validates on the data's
   * validation part if `validate`, and its result carries the trained
   * member's checkpoint. `params` is empty. `sample` travels as base64 of
   * its little-endian int32 bytes (see {@link encodeRows}): as a JSON list a
   * 55 000-row bootstrap sample was ≈ 330 kB in every queued trial.
   */
  readonly member?: { readonly index: number; readonly sample: string | null; readonly validate: boolean };
}

/** Row indices as base64 of their little-endian int32 bytes, the form a trial carries them in. */
export function encodeRows(rows: Int32Array): string {
  return Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength).toString('base64');
}

/** The row indices {@link encodeRows} wrote; refuses a string that is not whole int32s. */
export function decodeRows(base64: string): Int32Array {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length % 4 !== 0) throw new RangeError(`a trial's member sample must be base64 of int32s (a multiple of 4 bytes); got ${bytes.length} bytes`);
  // copied into an ArrayBuffer of its own: a Buffer may sit at an offset that is not a multiple of 4
  const rows = new Int32Array(bytes.length / 4);
  new Uint8Array(rows.buffer).set(bytes);
  return rows;
}

/** The fields a result row repeats from its trial. */
export type TrialIdentity = Pick<Trial, 'id' | 'config' | 'rung' | 'params' | 'seed' | 'epochs'>;

/** One row of the result table: the trial's identity and how it went. */
export interface TrialResult extends TrialIdentity {
  /** The objective at early stopping's best evaluation (null if no evaluation gave a finite value). */
  readonly value: number | null;
  readonly bestEpoch: number | null;
  /** Optimiser steps the trial ran. */
  readonly steps: number;
  /** Why its fit ended (`history.stop.by`). */
  readonly stoppedBy: string;
  readonly seconds: number;
  /** Who ran it: `host/pid` plus the thread or queue worker. */
  readonly worker: string;
  /**
   * Where this run took the trial up from a checkpoint that a worker which
   * died had stored (queue workers only); null when it ran from the first
   * step. `seconds` then counts this run only.
   */
  readonly resumedFrom: { readonly epoch: number; readonly step: number } | null;
  /** A member trial's trained member: core's `checkpointToBytes`, base64 (it travels as JSON through the queue). */
  readonly checkpoint?: string;
}

/** What a trial module exports: the trainer factory (any name, `makeTrainer` by default) and optionally `setup`. */
export interface TrialModule {
  /** Sets up a backend once per worker; `threads` is the worker's share of the cores. */
  setup?: (options: { threads: number }) => unknown;
  [exportName: string]: unknown;
}
