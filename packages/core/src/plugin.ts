import type * as tf from '@tensorflow/tfjs-core';
import type { CheckpointData, PluginState } from './checkpoint-data.js';
import type { Batch, Dataset } from './data/dataset.js';
import type { History } from './history.js';
import type { BuiltModel } from './nn/model.js';
import type { ParamSelector } from './nn/select.js';
import type { DenseCall, ModelOutput, ParamInfo, Site } from './nn/types.js';
import type { RandomStream } from './random.js';
import type { LearningRateSchedule } from './schedules.js';

/** The contract version this core implements. */
export const API_VERSION = 2;

/** Metrics of one evaluation, e.g. `{ 'val.loss': 0.31, 'val.accuracy': 0.9 }`. */
export type Metrics = Record<string, number>;

export type { PluginState, DenseCall };

/**
 * The mode a forward pass runs in: `'train'` (a training step), `'sample'`
 * (inference drawing one sample of the training-time randomness, Monte Carlo
 * dropout, Keras's `training=True`) or `'infer'` (the deterministic
 * inference rule: `predict`, `evaluate`, validation).
 */
export type Mode = 'train' | 'sample' | 'infer';

/** Every mode, in the order above. */
export const MODES = ['train', 'sample', 'infer'] as const satisfies readonly Mode[];

/**
 * What a plugin's `afterStep` does, which fixes when it runs: after the
 * optimizer's update, `'update'` (other updates: the KKT multiplier, a
 * proximal step), then `'decay'` (decoupled weight decay), then
 * `'constraint'` (projections, so a step always ends inside the feasible
 * set), then `'average'` (readers such as EMA and SWA, which see the final
 * params and may not write them).
 */
export type AfterStepKind = 'update' | 'decay' | 'constraint' | 'average';

/** The afterStep kinds in the order they run. */
export const AFTER_STEP_KINDS = ['update', 'decay', 'constraint', 'average'] as const satisfies readonly AfterStepKind[];

/** Inference forward, as `wrapPredict` gets it: call it (possibly several times, in either inference mode). */
export type Predict = (x: tf.Tensor, options?: { mode?: 'infer' | 'sample' }) => ModelOutput;

/** Which forward pass a forward hook is running in. */
export interface ForwardPass {
  /** `'main'` for the trainer's own pass (the step's, or inference's); the caller's tag for a nested one. */
  readonly tag: string;
  /** True inside `ctx.forward(...)` called by a hook. */
  readonly nested: boolean;
}

/** An activation of the step's main forward pass, as the model computed it at a site (before any plugin transformed it). */
export interface SiteActivation {
  readonly site: Site;
  readonly value: tf.Tensor;
}

/**
 * The model's params as plugins see them. Reading `variable` under the tape
 * makes gradients flow; writing goes through `write` or `restore` only, which
 * are allowed in `afterStep` (kinds other than `'average'`) and in fit-level
 * hooks, and are attributed to the plugin. Assigning a param's variable
 * directly inside a hook is a `PluginContractError`.
 */
export interface ParamTable {
  /** All params in declaration order. */
  readonly all: readonly ParamInfo[];
  /** The param called `name` (error listing the names otherwise). */
  get(name: string): ParamInfo;
  /** Params picked by a selector, see {@link ParamSelector}. */
  select(selector: ParamSelector): ParamInfo[];
  /** A copy of the current values (kept tensors; dispose them or pass to `restore`). */
  snapshot(): Map<string, tf.Tensor>;
  /** Writes a snapshot back into the params (those it names). */
  restore(snapshot: ReadonlyMap<string, tf.Tensor>): void;
  /** Writes a new value into one param (same shape). */
  write(param: ParamInfo | string, value: tf.Tensor): void;
}

/** Context of fit-level hooks. */
export interface FitContext {
  readonly model: BuiltModel;
  readonly params: ParamTable;
  readonly seed: number;
  /** Epochs completed (0 before the first epoch ends). */
  readonly epoch: number;
  /** Steps completed over the trainer's life. */
  readonly step: number;
  readonly history: History;
  /** The optimizer's learning rate, when it has one. */
  readonly learningRate: number | undefined;
  /** The optimizer spec's learning-rate schedule, if it has one (cyclic ones have `cycle`). */
  readonly schedule: LearningRateSchedule | undefined;
  /**
   * Sets the optimizer's learning rate from the next step on (reduce on
   * plateau). Refused when the optimizer spec has a schedule (it sets the
   * rate every step) or the optimizer has no rate.
   */
  setLearningRate(lr: number): void;
  /** The training data of the fit in progress (batch-norm recomputation, out-of-band passes); undefined outside a fit. */
  readonly data: Dataset | undefined;
  /** Batches per epoch of the fit in progress (0 outside a fit). */
  readonly stepsPerEpoch: number;
  /** Ends the fit after the current step (or now, between epochs); the reason goes into the history. */
  requestStop(reason: string): void;
  /** Set once a stop has been requested. */
  readonly stopRequest: { readonly by: string; readonly reason: string } | undefined;
  /** Evaluates data in inference mode (through `wrapPredict`); metric names get the given prefix. */
  evaluate(data: Dataset, prefix?: string): Promise<Metrics>;
  /** Everything needed to resume this fit exactly (params, optimizer slots, plugin states, counters). */
  exportCheckpoint(): Promise<CheckpointData>;
}

/** Context of step-level hooks (and of forward hooks in inference); valid only during the hook call. */
export interface StepContext {
  readonly model: BuiltModel;
  readonly params: ParamTable;
  /** 1-based number of the step being run, counted over the trainer's life (in inference: the last step run). */
  readonly step: number;
  /** 0-based epoch the step belongs to. */
  readonly epoch: number;
  /** The mode of the pass this hook runs in; always `'train'` outside forward hooks. */
  readonly mode: Mode;
  /** Which forward pass a forward hook runs in: the main one or a nested `ctx.forward` (by its tag). */
  readonly pass: ForwardPass;
  /** This plugin's random stream for this step: depends on (seed, step, plugin name) only. */
  readonly random: RandomStream;
  /** The batch after every `transformBatch` (undefined in transformBatch itself and in inference). */
  readonly batch: Batch | undefined;
  /**
   * In `penalty`: every site activation of this step's main forward pass, in
   * forward order (a shared module's site appears once per use), as the model
   * computed it, before plugins transformed it. Nested passes never add to
   * it. Empty in every other hook.
   */
  readonly activations: readonly SiteActivation[];
  readonly learningRate: number | undefined;
  /** The optimizer spec's learning-rate schedule, if it has one. */
  readonly schedule: LearningRateSchedule | undefined;
  /** Fractional epochs done when this step began (E + b/B): where the schedule gave this step's rate. */
  readonly epochProgress: number;
  /** Batches per epoch of the fit in progress (one step advances `epochProgress` by 1/stepsPerEpoch). */
  readonly stepsPerEpoch: number;
  /**
   * In `afterStep`: the step's gradients of this plugin's own `variables`,
   * under their keys (a variable the step's loss did not reach has none).
   * Empty in every other hook.
   */
  readonly ownGradients: Readonly<Record<string, tf.Tensor>>;
  /**
   * Runs the model on x as a nested pass: params and activations go through
   * the forward hooks of the plugins declared for `mode` (default: this
   * pass's mode), which see `ctx.pass = { tag, nested: true }`.
   */
  forward(x: tf.Tensor, options?: { mode?: Mode; tag?: string }): ModelOutput;
  /** The data loss of an output for a prediction, as the trainer computes it. */
  loss(prediction: ModelOutput, target: Batch['y'], weight?: tf.Tensor): tf.Scalar;
  /** Records a scalar (kept on the device) under `<plugin>.<name>`; read into the history at log points. */
  report(name: string, value: tf.Scalar | number): void;
  requestStop(reason: string): void;
}

/** Context of `wrapPredict`. */
export interface PredictContext {
  readonly model: BuiltModel;
  readonly params: ParamTable;
  readonly random: RandomStream;
  /** The mode the caller asked for: `'infer'`, or `'sample'` for `predict(x, { sample: true })`. */
  readonly mode: 'infer' | 'sample';
}

/**
 * A regularizer or any other extension of the training loop (contract v2).
 * The key list is closed: an object with any other key is rejected at
 * registration. Fit-level hooks may be async; step-level hooks are
 * synchronous and run inside the step's tidy (and, where marked [tape], the
 * gradient tape). Write plugins with {@link definePlugin} or as plain objects.
 */
export interface Plugin {
  /** Unique within a trainer: keys its state, logs, errors and random stream. */
  readonly name: string;
  /** Contract version; must be 2. */
  readonly apiVersion: 2;
  /** Lower runs first; ties keep list order. See {@link Order} for the default tiers. */
  readonly order?: number;
  /** Modes in which `transformParam`, `transformDense` and `transformActivation` run. Default `['train']`. */
  readonly modes?: readonly Mode[];
  /** What `afterStep` does, which fixes when it runs (see {@link AfterStepKind}). Default `'update'`. */
  readonly afterStepKind?: AfterStepKind;
  /** Once, before the first epoch. */
  beforeFit?(ctx: FitContext): void | Promise<void>;
  /** Before each epoch. */
  beforeEpoch?(ctx: FitContext): void | Promise<void>;
  /** Before each validation pass of a fit (refresh what inference on it needs, e.g. batch-norm statistics of averaged weights). */
  beforeEvaluate?(ctx: FitContext): void | Promise<void>;
  /** After each validation pass, with its metrics (`val.loss`, ...). */
  afterEvaluate?(metrics: Metrics, ctx: FitContext): void | Promise<void>;
  /** After each epoch (after its validation, if any). */
  afterEpoch?(ctx: FitContext): void | Promise<void>;
  /** Once, when the fit ends for any reason but an error. */
  afterFit?(ctx: FitContext): void | Promise<void>;
  /** When the fit fails; every plugin's onError runs before the error is re-thrown. */
  onError?(error: unknown, ctx: FitContext): void | Promise<void>;
  /** Returns the batch the step trains on (augmentation, input noise, mixup, adversarial examples). */
  transformBatch?(batch: Batch, ctx: StepContext): Batch;
  /** [tape] Returns the value a forward pass uses for a param (weight noise, DropConnect); runs in `modes`. */
  transformParam?(param: ParamInfo, value: tf.Tensor, ctx: StepContext): tf.Tensor;
  /**
   * [tape] Returns a dense layer's pre-activation x·W + b: `next()` is the
   * layer's own product (over the params' values after every
   * `transformParam`, and the inner plugins' `transformDense`); return it or
   * something computed from it (local reparameterisation adds per-example
   * noise). Runs in `modes`; a layer wrapped by any plugin computes its
   * activation separately from the product.
   */
  transformDense?(call: DenseCall, next: () => tf.Tensor, ctx: StepContext): tf.Tensor;
  /** [tape] Returns the activation passed on from a site (dropout, hidden noise); runs in `modes`. */
  transformActivation?(site: Site, h: tf.Tensor, ctx: StepContext): tf.Tensor;
  /** [tape] A scalar added to the data loss, or undefined for none; `ctx.activations` holds the pass's sites. */
  penalty?(ctx: StepContext): tf.Scalar | undefined;
  /** Returns the gradients (keyed by param name) the optimizer applies. */
  transformGradients?(grads: tf.NamedTensorMap, ctx: StepContext): tf.NamedTensorMap;
  /** After the optimizer step, in the order of {@link AfterStepKind}; writes params through `ctx.params.write`. */
  afterStep?(ctx: StepContext): void;
  /** Wraps inference (`'infer'` and `'sample'`): call `next` (possibly several times) and return the prediction. */
  wrapPredict?(x: tf.Tensor, next: Predict, ctx: PredictContext): ModelOutput;
  /**
   * Variables the plugin trains itself and reads under the tape (Bayes by
   * Backprop's ρ), by key; asked for at every step. The step's tape
   * differentiates them with the model's params, and this plugin's
   * `afterStep` finds their gradients in `ctx.ownGradients`. They are not the
   * model's params: the trainer's optimizer, checkpoints and other plugins
   * never see them (save them in `stateDict`).
   */
  variables?(): Readonly<Record<string, tf.Variable>>;
  /** State to store in a checkpoint. */
  stateDict?(): PluginState;
  /** Restores state from a checkpoint. */
  loadStateDict?(state: PluginState): void;
  /** Frees tensors the plugin holds across steps; called by `trainer.dispose()`. */
  dispose?(): void;
}

/**
 * How the trainer combines a hook's plugins: `sequence` calls each in turn,
 * `pipe` threads a value through them, `sum` adds their scalars, `wrap` nests
 * them around inference, `collect` gathers their results.
 */
export type DispatchKind = 'sequence' | 'pipe' | 'sum' | 'wrap' | 'collect';

/** Every hook, in the order the loop reaches them, with its dispatch kind and the modes it runs in. */
export const HOOK_TABLE = {
  beforeFit: { dispatch: 'sequence', modes: 'fit' },
  beforeEpoch: { dispatch: 'sequence', modes: 'fit' },
  transformBatch: { dispatch: 'pipe', modes: 'train' },
  variables: { dispatch: 'collect', modes: 'train' },
  transformParam: { dispatch: 'pipe', modes: 'declared' },
  transformDense: { dispatch: 'wrap', modes: 'declared' },
  transformActivation: { dispatch: 'pipe', modes: 'declared' },
  penalty: { dispatch: 'sum', modes: 'train' },
  transformGradients: { dispatch: 'pipe', modes: 'train' },
  afterStep: { dispatch: 'sequence', modes: 'train' },
  beforeEvaluate: { dispatch: 'sequence', modes: 'fit' },
  afterEvaluate: { dispatch: 'sequence', modes: 'fit' },
  afterEpoch: { dispatch: 'sequence', modes: 'fit' },
  afterFit: { dispatch: 'sequence', modes: 'fit' },
  onError: { dispatch: 'sequence', modes: 'fit' },
  wrapPredict: { dispatch: 'wrap', modes: 'infer, sample' },
  stateDict: { dispatch: 'collect', modes: 'checkpoint' },
  loadStateDict: { dispatch: 'sequence', modes: 'checkpoint' },
  dispose: { dispatch: 'sequence', modes: 'trainer.dispose()' },
} as const satisfies Record<string, { dispatch: DispatchKind; modes: string }>;

/** A hook name. */
export type HookName = keyof typeof HOOK_TABLE;

/** Every hook name, in loop order. */
export const HOOKS = Object.keys(HOOK_TABLE) as HookName[];

/** Hooks that run at fit level (may be async; may write params). */
export const FIT_HOOKS: ReadonlySet<HookName> = new Set(HOOKS.filter((h) => HOOK_TABLE[h].modes === 'fit'));

/**
 * Default `order` tiers. Batch transforms: augmentation < noise < adversarial
 * (augment clean data, then noise it, then attack the noisy batch); early
 * stopping and checkpointing run last so they see the finished epoch.
 */
export const Order = {
  augmentation: 100,
  noise: 200,
  adversarial: 300,
  default: 500,
  earlyStopping: 900,
  checkpoint: 1000,
} as const;
