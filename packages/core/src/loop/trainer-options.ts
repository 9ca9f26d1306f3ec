import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/dataset.js';
import type { LossSpec } from '../losses.js';
import type { Module } from '../nn/module.js';
import type { OptimizerSpec } from '../optimizers.js';
import { schemas, z } from '../options.js';
import type { Plugin } from '../plugin.js';
import { metricSpecSchema, type MetricSpec } from '../metric-specs.js';

/** Options of {@link Trainer}. */
export interface TrainerOptions {
  /** The network, e.g. `nn.sequential([...])`. Built (params created) on first use or by `build`. */
  model: Module;
  /** Loss per output: `'softmaxCrossEntropy'` (logits), `'mse'`, `'sigmoidCrossEntropy'`, a function, or a record for named outputs. */
  loss: LossSpec;
  /** Default `'adam'` with learning rate 0.001. */
  optimizer?: OptimizerSpec;
  /** Plugins (regularizers and other loop extensions). */
  plugins?: readonly Plugin[];
  /** Drives init, shuffling and every plugin's randomness. Default 0. */
  seed?: number;
  /** Shape of one example; when absent the model is built from the first data it sees. */
  inputShape?: readonly number[];
  /** Read the running loss, plugin reports and the divergence check every this many steps (and at each epoch end). Default 50. */
  logEvery?: number;
  /** Progress line: `'auto'` (TTY and not CI), true or false. */
  progress?: boolean | 'auto';
  /** Extra metrics for `evaluate` and validation (`val.<name>`); see {@link MetricSpec}. Never computed inside a training step. */
  metrics?: readonly MetricSpec[];
}

/** Options of {@link Trainer.fit}. */
export interface FitOptions {
  /** Train until this many epochs are complete in total (counting earlier fits and resumed checkpoints, as Lightning's max_epochs). */
  epochs: number;
  /** Default 32. The last batch of an epoch may be smaller. */
  batchSize?: number;
  /** Reshuffle every epoch (seeded). Default true. */
  shuffle?: boolean;
  /** Validation data and cadence: after every epoch (default) or every n steps. */
  validation?: { data: Dataset; every?: 'epoch' | { steps: number } };
  /** Stop once this many steps are complete in total. */
  maxSteps?: number;
  /**
   * Ends the fit after the current step once aborted (`history.stop.by` is
   * `'signal'`), leaving a trainer that fits on from there. The fit yields to
   * the event loop every ≈ 16 ms, so a page stays responsive and a timer or
   * button can abort it.
   */
  signal?: AbortSignal;
  /**
   * Names of plugins switched off for this fit only: none of their hooks run
   * until it ends (Algorithm 7.3's second phase runs without early stopping).
   * Their state is kept and still checkpointed.
   */
  disable?: readonly string[];
  /**
   * Plugins for this fit only, as Keras's `fit(callbacks=[…])`: each may
   * implement only fit-level hooks (beforeFit, beforeEpoch, beforeEvaluate,
   * afterEvaluate, afterEpoch, afterFit, onError), so it watches and acts
   * between steps (write checkpoints, log, stop) without changing what a step
   * computes. They hold no checkpointed state (no stateDict) and the trainer
   * does not dispose them. They run in order with the trainer's plugins.
   */
  callbacks?: readonly Plugin[];
}

/** Options of {@link Trainer.evaluate} and {@link Trainer.predict}. */
export interface InferenceOptions {
  /** Examples per forward pass. Default 256. */
  batchSize?: number;
}

/** Options of {@link Trainer.predict}. */
export interface PredictOptions extends InferenceOptions {
  /**
   * Draw one sample of the model's training-time randomness instead of the
   * deterministic inference rule (Monte Carlo dropout): the pass runs in mode
   * `'sample'`, and plugins declared for it perturb with fresh draws on every call. Default false.
   */
  sample?: boolean;
}

/** @internal */
export const trainerSchema = z.object({
  model: z.custom<Module>((m) => !!m && typeof (m as Module).init === 'function' && typeof (m as Module).apply === 'function', {
    message: 'must be a module, e.g. nn.sequential([...])',
  }),
  loss: z.any(),
  optimizer: z.any().optional(),
  plugins: z.array(z.any(), { message: 'must be an array of plugin objects' }).optional(),
  seed: schemas.seed.optional(),
  inputShape: z.array(schemas.positiveInt).min(1, { message: 'needs at least one dimension' }).optional(),
  logEvery: schemas.positiveInt.optional(),
  progress: z.union([z.boolean(), z.literal('auto')], { message: "must be true, false or 'auto'" }).optional(),
  metrics: z.array(metricSpecSchema, { message: 'must be a list of metrics' }).optional(),
}).strict();

/** @internal */
export const fitSchema = z.object({
  epochs: schemas.positiveInt,
  batchSize: schemas.positiveInt.optional(),
  shuffle: z.boolean({ message: 'must be true or false' }).optional(),
  validation: z
    .object({
      data: z.custom<Dataset>((d) => !!d && (d as Dataset).x instanceof tf.Tensor, { message: 'must be a data set (dataset.fromArrays / fromTensors)' }),
      every: z.union([z.literal('epoch'), z.object({ steps: schemas.positiveInt }).strict()], { message: "must be 'epoch' or { steps: positive integer }" }).optional(),
    })
    .strict()
    .optional(),
  maxSteps: schemas.positiveInt.optional(),
  signal: z.custom<AbortSignal>((s) => typeof AbortSignal !== 'undefined' && s instanceof AbortSignal, { message: 'must be an AbortSignal (new AbortController().signal)' }).optional(),
  disable: z.array(z.string({ message: 'must be plugin names' }), { message: 'must be a list of plugin names' }).optional(),
  // each entry is checked against the plugin contract by registerCallbacks
  callbacks: z.array(z.unknown(), { message: 'must be a list of plugins' }).optional(),
}).strict();

/** @internal */
export const inferenceSchema = z.object({ batchSize: schemas.positiveInt.optional() }).strict();
/** @internal */
export const predictSchema = inferenceSchema.extend({ sample: z.boolean({ message: 'must be true or false' }).optional() }).strict();
/** @internal */
export const evaluateSchema = inferenceSchema.extend({ prefix: z.string({ message: 'must be a string' }).optional() }).strict();

