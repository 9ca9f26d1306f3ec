import type * as tf from '@tensorflow/tfjs-core';
import type { Batch } from './data/dataset.js';
import { PluginContractError } from './errors.js';
import type { History } from './history.js';
import type { BuiltModel } from './nn/model.js';
import type { ModelOutput, ParamInfo, Site } from './nn/types.js';
import type { RandomStream } from './random.js';

/** Metrics of one evaluation, e.g. `{ 'val.loss': 0.31, 'val.accuracy': 0.9 }`. */
export type Metrics = Record<string, number>;

/** Whatever a plugin needs to survive a checkpoint; must be JSON-serialisable. */
export type PluginState = Record<string, unknown>;

/** The model forward in inference mode, as given to `wrapPredict`. */
export type Predict = (x: tf.Tensor) => ModelOutput;

/** Read-only view of the model's params for plugins, with copy/restore for early stopping and averaging. */
export interface ParamTable {
  /** All params in declaration order. */
  readonly all: readonly ParamInfo[];
  /** The param called `name` (error listing the names otherwise). */
  get(name: string): ParamInfo;
  /** Params picked by a selector, see {@link ParamSelector}. */
  select(selector: import('./nn/select.js').ParamSelector): ParamInfo[];
  /** A copy of the current values (kept tensors; dispose them or pass to `restore`). */
  snapshot(): Map<string, tf.Tensor>;
  /** Writes a snapshot back into the params. */
  restore(snapshot: Map<string, tf.Tensor>): void;
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
  /** Ends the fit after the current step (or now, between epochs); the reason goes into the history. */
  requestStop(reason: string): void;
  /** Set once a stop has been requested. */
  readonly stopRequest: { readonly by: string; readonly reason: string } | undefined;
  /** The trainer running the fit (checkpointing, evaluation of other data). */
  readonly trainer: import('./trainer.js').Trainer;
  /** Evaluates data in inference mode (through `wrapPredict`); metric names get the given prefix. */
  evaluate(data: import('./data/dataset.js').Dataset, prefix?: string): Promise<Metrics>;
}

/** Context of step-level hooks; valid only during the hook call. */
export interface StepContext {
  readonly model: BuiltModel;
  readonly params: ParamTable;
  /** 1-based number of the step being run, counted over the trainer's life. */
  readonly step: number;
  /** 0-based epoch the step belongs to. */
  readonly epoch: number;
  /** True in a training step, false in predict/evaluate. */
  readonly training: boolean;
  /**
   * True in inference when the caller asked for a sample of the training-time
   * randomness (`trainer.predict(x, { sample: true })`, Monte Carlo dropout):
   * a plugin that perturbs in training and supports sampling perturbs here
   * too, with fresh draws. Always false in training.
   */
  readonly sampling: boolean;
  /** This plugin's random stream for this step: depends on (seed, step, plugin name) only. */
  readonly random: RandomStream;
  /** The batch after every `transformBatch` (undefined in transformBatch itself and in inference). */
  readonly batch: Batch | undefined;
  readonly learningRate: number | undefined;
  /** Runs the model on x with the plugins' param/activation transforms of the given mode. */
  forward(x: tf.Tensor, options?: { training?: boolean }): ModelOutput;
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
  /** True when this prediction is one sample of the training-time randomness (see {@link StepContext.sampling}). */
  readonly sampling: boolean;
}

/**
 * A regularizer or any other extension of the training loop. The hook list
 * is closed: an object with any other key is rejected at registration.
 * Fit-level hooks may be async; step-level hooks are synchronous and run
 * inside the step's tidy (and, where marked [tape], the gradient tape).
 */
export interface Plugin {
  /** Unique within a trainer: keys its state, logs, errors and random stream. */
  readonly name: string;
  /** Contract version; must be 1. */
  readonly apiVersion: 1;
  /** Lower runs first; ties keep list order. See {@link Order} for the default tiers. */
  readonly order?: number;
  /** Once, before the first epoch. */
  beforeFit?(ctx: FitContext): void | Promise<void>;
  /** Before each epoch. */
  beforeEpoch?(ctx: FitContext): void | Promise<void>;
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
  /** [tape] Returns the value the forward pass uses for a param (weight noise, DropConnect). */
  transformParam?(param: ParamInfo, value: tf.Tensor, ctx: StepContext): tf.Tensor;
  /** [tape] Returns the activation passed on from a site (dropout, hidden noise); may record it. */
  transformActivation?(site: Site, h: tf.Tensor, ctx: StepContext): tf.Tensor;
  /** [tape] A scalar added to the data loss, or undefined for none. */
  penalty?(ctx: StepContext): tf.Scalar | undefined;
  /** Returns the gradients (keyed by param name) the optimizer applies. */
  transformGradients?(grads: tf.NamedTensorMap, ctx: StepContext): tf.NamedTensorMap;
  /** After the optimizer step (constraints, decoupled decay, averaging). */
  afterStep?(ctx: StepContext): void;
  /** Wraps inference: call `next` (possibly several times) and return the prediction. */
  wrapPredict?(x: tf.Tensor, next: Predict, ctx: PredictContext): ModelOutput;
  /** State to store in a checkpoint. */
  stateDict?(): PluginState;
  /** Restores state from a checkpoint. */
  loadStateDict?(state: PluginState): void;
}

/** Every hook, in the order the loop reaches them. */
export const HOOKS = [
  'beforeFit',
  'beforeEpoch',
  'transformBatch',
  'transformParam',
  'transformActivation',
  'penalty',
  'transformGradients',
  'afterStep',
  'afterEvaluate',
  'afterEpoch',
  'afterFit',
  'onError',
  'wrapPredict',
  'stateDict',
  'loadStateDict',
] as const satisfies ReadonlyArray<keyof Plugin>;

/** A hook name. */
export type HookName = (typeof HOOKS)[number];

const ALLOWED_KEYS = new Set<string>(['name', 'apiVersion', 'order', ...HOOKS]);

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

/** Checks each plugin against the contract and returns them sorted by order, then list order. */
export function registerPlugins(plugins: readonly unknown[]): Plugin[] {
  if (!Array.isArray(plugins)) throw new PluginContractError(`plugins must be an array of plugin objects, got ${typeof plugins}`);
  const names = new Set<string>();
  plugins.forEach((candidate, index) => {
    if (candidate === null || typeof candidate !== 'object') {
      throw new PluginContractError(`plugins[${index}] is ${candidate === null ? 'null' : typeof candidate}, not a plugin object (did you pass the factory instead of calling it?)`);
    }
    const p = candidate as Record<string, unknown>;
    if (typeof p.name !== 'string' || p.name.length === 0) {
      throw new PluginContractError(`plugins[${index}] has no name; every plugin needs a non-empty string 'name'`);
    }
    if (p.apiVersion !== 1) {
      throw new PluginContractError(`plugin '${p.name}' has apiVersion ${String(p.apiVersion)}; this core supports apiVersion 1`);
    }
    for (const key of Object.keys(p)) {
      if (!ALLOWED_KEYS.has(key)) {
        throw new PluginContractError(`plugin '${p.name}' has unknown key '${key}'; hooks are ${HOOKS.join(', ')}`);
      }
      if ((HOOKS as readonly string[]).includes(key) && p[key] !== undefined && typeof p[key] !== 'function') {
        throw new PluginContractError(`plugin '${p.name}': '${key}' must be a function, got ${typeof p[key]}`);
      }
    }
    if (p.order !== undefined && !(typeof p.order === 'number' && Number.isFinite(p.order))) {
      throw new PluginContractError(`plugin '${p.name}': order = ${String(p.order)} must be a finite number`);
    }
    if (names.has(p.name)) {
      throw new PluginContractError(`two plugins are named '${p.name}'; names must be unique in a trainer (give one a different name option)`);
    }
    names.add(p.name);
  });
  return (plugins as Plugin[])
    .map((plugin, index) => ({ plugin, index }))
    .sort((a, b) => (a.plugin.order ?? Order.default) - (b.plugin.order ?? Order.default) || a.index - b.index)
    .map((entry) => entry.plugin);
}

/** For each hook, the plugins implementing it, in run order. Computed once per trainer. */
export type HookTable = { readonly [H in HookName]: readonly Plugin[] };

/** Resolves once which plugins implement which hook, so a missing hook costs nothing per step. */
export function hookTable(sorted: readonly Plugin[]): HookTable {
  const table = {} as Record<HookName, Plugin[]>;
  for (const hook of HOOKS) table[hook] = sorted.filter((p) => typeof p[hook] === 'function');
  return table;
}

/** A text table of which plugin fires at each hook, in loop order. */
export function describeHooks(table: HookTable): string {
  const width = Math.max(...HOOKS.map((h) => h.length));
  return HOOKS.map((hook) => `${hook.padEnd(width)}  ${table[hook].map((p) => p.name).join(' → ') || '—'}`).join('\n');
}
