import type * as tf from '@tensorflow/tfjs-core';
import type { CheckpointTarget } from '../checkpoint-data.js';
import type { Batch, Dataset } from '../data/dataset.js';
import { History } from '../history.js';
import type { ResolvedLoss } from '../losses.js';
import type { ResolvedMetric } from '../metric-specs.js';
import type { BuiltModel } from '../nn/model.js';
import type { ParamWrites } from '../params.js';
import type { FitContext, Mode, ParamTable, Plugin, SiteActivation, StepContext } from '../plugin.js';
import type { LearningRateSchedule } from '../schedules.js';
import type { HookRunner } from './hook-runner.js';
import type { TrainerOptions } from './trainer-options.js';
import type { ParkedSlots } from './optimizer-slots.js';

/** The pass being run, read by the contexts' getters (one object, mutated: no allocation per step). */
export interface PassState {
  step: number;
  epoch: number;
  mode: Mode;
  tag: string;
  nested: boolean;
  batch: Batch | undefined;
  /** Key of the plugins' random streams: (seed, 'step', step) in training, (seed, 'predict', call) in inference. */
  streamKey: ReadonlyArray<number | string>;
  /** Site activations of the step's main pass, handed to `penalty`; empty elsewhere. */
  activations: readonly SiteActivation[];
  /** In afterStep: each plugin's gradients of its own `variables`; empty elsewhere. */
  readonly ownGradients: Map<Plugin, Readonly<Record<string, tf.Tensor>>>;
}

/** The contexts each plugin's hooks get, built once per plugin. */
export interface PluginContexts {
  readonly step: StepContext;
  readonly fit: FitContext;
}

/**
 * Everything a trainer holds between calls, shared by the loop's parts (fit
 * loop, step, inference, log points, contexts). Only the Trainer creates it.
 */
export class RunState {
  readonly history = new History();
  readonly contexts = new Map<Plugin, PluginContexts>();
  builtModel: BuiltModel | undefined;
  losses: ResolvedLoss[] | undefined;
  /** The `metrics` option resolved against the model's outputs (at build). */
  metrics: ResolvedMetric[] = [];
  /** The user's view of the params (`trainer.params`). */
  table: ParamTable | undefined;
  trainableCache: tf.Variable[] | undefined;
  /** The variable order the optimizer's slots are aligned to (see alignSlots), and the slots of those left out. */
  slotOrder: readonly string[] = [];
  readonly parkedSlots: ParkedSlots = new Map();
  readonly pass: PassState = { step: 0, epoch: 0, mode: 'train', tag: 'main', nested: false, batch: undefined, streamKey: [], activations: [], ownGradients: new Map() };
  stepCount = 0;
  /** The training data of the fit in progress (undefined between fits). */
  train: Dataset | undefined;
  /** Batches per epoch of the fit in progress (0 between fits). */
  batchesPerEpoch = 0;
  epochCount = 0;
  batchInEpoch = 0;
  predictCalls = 0;
  stopRequest: { by: string; reason: string } | undefined;
  /** Each step's loss since the last log point, kept on the backend until read there. */
  pendingLosses: tf.Scalar[] = [];
  epochLossSum = 0;
  epochSteps = 0;
  goodSnapshot: { step: number; values: Map<string, tf.Tensor>; slots: Array<{ name: string; tensor: tf.Tensor }> } | undefined;
  readonly reports = new Map<string, tf.Scalar>();
  /** Target tensors (or records of them) already checked against the losses. */
  readonly checkedTargets = new WeakSet<object>();

  constructor(
    readonly options: TrainerOptions,
    readonly seed: number,
    readonly plugins: readonly Plugin[],
    readonly hooks: HookRunner,
    readonly writes: ParamWrites,
    readonly optimizer: tf.Optimizer,
    /** The learning-rate schedule of the optimizer spec, if any. */
    readonly schedule: LearningRateSchedule | undefined,
    /** The trainer, as checkpoints see it. */
    readonly target: CheckpointTarget,
  ) {}

  /** The built model; throws if not built yet. */
  get model(): BuiltModel {
    if (!this.builtModel) throw new Error('the model is not built yet: call trainer.build(inputShape), give inputShape, or fit/predict once');
    return this.builtModel;
  }

  /** Fractional epochs done when the current step began (E + b/B), where schedules are evaluated. */
  get epochProgress(): number {
    return this.batchesPerEpoch > 0 ? this.epochCount + this.batchInEpoch / this.batchesPerEpoch : this.epochCount;
  }

  /** The contexts of a plugin (built by the trainer at construction). */
  contextsOf(plugin: Plugin): PluginContexts {
    return this.contexts.get(plugin)!;
  }

  /** Records a stop request (the first one wins). */
  requestStop(by: string, reason: string): void {
    if (typeof reason !== 'string' || reason.length === 0) throw new TypeError(`requestStop needs a reason (a non-empty string), got ${String(reason)}`);
    this.stopRequest ??= { by, reason };
  }
}
