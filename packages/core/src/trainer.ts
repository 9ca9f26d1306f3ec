import * as tf from '@tensorflow/tfjs-core';
import './register-gradients.js';
import type { Dataset } from './data/dataset.js';
import type { History } from './history.js';
import { buildModel } from './loop/build.js';
import { createContexts } from './loop/contexts.js';
import { fitLoop } from './loop/fit-loop.js';
import { HookRunner } from './loop/hook-runner.js';
import { evaluateData, predictAll } from './loop/inference.js';
import { disposeSnapshot } from './loop/log-point.js';
import { RunState } from './loop/run-state.js';
import { trainerSchema, type FitOptions, type InferenceOptions, type PredictOptions, type TrainerOptions } from './loop/trainer-options.js';
import { History as HistoryClass } from './history.js';
import type { BuiltModel } from './nn/model.js';
import type { ParamSelector } from './nn/select.js';
import type { ModelOutput } from './nn/types.js';
import { createOptimizer, scheduleOf } from './optimizers.js';
import type { LearningRateSchedule } from './schedules.js';
import { modelSummary } from './report/summary.js';
import { requireBackend } from './backend-check.js';
import { validateOptions } from './options.js';
import { ParamWrites } from './params.js';
import type { Metrics, ParamTable, Plugin } from './plugin.js';
import { describeHooks, hookTable, registerPlugins } from './plugin-registry.js';
import { disposeParked } from './loop/optimizer-slots.js';

export type { FitOptions, InferenceOptions, PredictOptions, TrainerOptions } from './loop/trainer-options.js';

/**
 * Trains a model with plugins. The training set stays on the backend and each
 * step gathers its batch by index; one `tf.tidy` holds the whole step, and no
 * number is read back from the backend inside it (the running loss is read at
 * log and validation points only). The loop's parts live in `loop/`: the fit
 * loop, the step, inference, contexts, log points and the hook runner.
 */
export class Trainer {
  readonly seed: number;
  readonly plugins: readonly Plugin[];
  readonly optimizer: tf.Optimizer;
  private readonly run: RunState;

  constructor(options: TrainerOptions) {
    const opts = validateOptions('Trainer', trainerSchema, options) as TrainerOptions;
    requireBackend('Trainer');
    this.seed = opts.seed ?? 0;
    this.plugins = registerPlugins(opts.plugins ?? []);
    this.optimizer = createOptimizer(opts.optimizer ?? 'adam');
    const writes = new ParamWrites();
    this.run = new RunState(opts, this.seed, this.plugins, new HookRunner(hookTable(this.plugins), writes), writes, this.optimizer, scheduleOf(opts.optimizer ?? 'adam'), this);
    createContexts(this.run);
    if (opts.inputShape) this.build(opts.inputShape);
  }

  /** What the fits recorded: epochs, log points, evaluations, why the last fit stopped, plugin notes. */
  get history(): History {
    return this.run.history;
  }

  /** The built model (params, sites); throws if not built yet. */
  get model(): BuiltModel {
    return this.run.model;
  }

  /** True once params exist. */
  get isBuilt(): boolean {
    return this.run.builtModel !== undefined;
  }

  /** Steps completed over the trainer's life. */
  get step(): number {
    return this.run.stepCount;
  }

  /** Epochs completed over the trainer's life. */
  get epoch(): number {
    return this.run.epochCount;
  }

  /** The optimizer spec's learning-rate schedule, if it has one. */
  get schedule(): LearningRateSchedule | undefined {
    return this.run.schedule;
  }

  /** Batches already done in the current, unfinished epoch (non-zero only after a mid-epoch checkpoint). */
  get batchesIntoEpoch(): number {
    return this.run.batchInEpoch;
  }

  /** The params (throws if not built yet). Outside plugin hooks your code may write them directly. */
  get params(): ParamTable {
    this.run.model;
    return this.run.table!;
  }

  /** Creates the params for one example's shape (seeded by the trainer seed). Idempotent for the same shape. */
  build(inputShape: readonly number[]): BuiltModel {
    return buildModel(this.run, inputShape);
  }

  /** Freezes params (they stop moving; fine-tuning, pre-training). Returns the names frozen. */
  freeze(selector: ParamSelector): string[] {
    this.run.trainableCache = undefined;
    return this.model.setFrozen(selector, true);
  }

  /** Makes frozen params trainable again. Returns the names changed. */
  unfreeze(selector: ParamSelector): string[] {
    this.run.trainableCache = undefined;
    return this.model.setFrozen(selector, false);
  }

  /**
   * Keras's `model.summary()`: each module with its output shape and param
   * counts, the totals, the sites, then which plugin fires at each hook
   * (`describeLoop`). The model must be built (by `fit`, `predict` or
   * `build(inputShape)`).
   */
  summary(): string {
    if (!this.isBuilt) throw new Error('summary: the model is not built yet; call trainer.build(inputShape) (one example, no batch axis) or fit/predict first');
    return `${modelSummary(this.model)}
plugins per hook:
${this.describeLoop()}`;
  }

  /** Which plugin fires at each hook, in loop order, with each hook's dispatch kind, forward modes and afterStep kinds. */
  describeLoop(): string {
    return describeHooks(this.run.hooks.table);
  }

  /**
   * Trains until `epochs` epochs are complete in total, a plugin requests a
   * stop, or `maxSteps` is reached. Returns the trainer's history.
   */
  fit(train: Dataset, options: FitOptions): Promise<History> {
    return fitLoop(this.run, train, options);
  }

  /** Metrics of a data set in inference mode (through `wrapPredict`): `loss`, `accuracy` and per-output ones. */
  evaluate(data: Dataset, options: InferenceOptions & { prefix?: string } = {}): Promise<Metrics> {
    return evaluateData(this.run, data, options);
  }

  /**
   * Predictions in inference mode (`'infer'`), through every plugin's
   * `wrapPredict`; with `sample: true`, one draw of the training-time
   * randomness instead (mode `'sample'`, see {@link PredictOptions}). The
   * caller disposes them.
   */
  predict(x: tf.Tensor | Dataset, options: PredictOptions = {}): ModelOutput {
    return predictAll(this.run, x, options);
  }

  /** Frees the params, optimizer slots, internal tensors and whatever each plugin holds (its `dispose`). */
  dispose(): void {
    const run = this.run;
    run.builtModel?.dispose();
    this.optimizer.dispose();
    disposeParked(run.parkedSlots);
    tf.dispose(run.pendingLosses);
    run.pendingLosses = [];
    disposeSnapshot(run);
    for (const r of run.reports.values()) r.dispose();
    run.reports.clear();
    for (const plugin of run.hooks.table.byHook.dispose) run.hooks.call(plugin, 'dispose', () => plugin.dispose!());
  }

  /** @internal Counters and history for checkpoints. */
  progressState(): { step: number; epoch: number; batchInEpoch: number; history: unknown } {
    const run = this.run;
    // a copy: an in-memory checkpoint must not change as training goes on (toJSON shares the live arrays)
    return { step: run.stepCount, epoch: run.epochCount, batchInEpoch: run.batchInEpoch, history: structuredClone(run.history.toJSON()) };
  }

  /** @internal Restores counters and history from a checkpoint. */
  restoreProgress(state: { step: number; epoch: number; batchInEpoch: number; history: unknown }): void {
    const run = this.run;
    run.stepCount = state.step;
    run.epochCount = state.epoch;
    run.batchInEpoch = state.batchInEpoch;
    const restored = HistoryClass.fromJSON(state.history);
    const history = run.history;
    history.epochs.splice(0, Infinity, ...restored.epochs);
    history.logs.splice(0, Infinity, ...restored.logs);
    history.evaluations.splice(0, Infinity, ...restored.evaluations);
    history.stop = restored.stop;
    for (const key of Object.keys(history.notes)) delete history.notes[key];
    Object.assign(history.notes, restored.notes);
  }
}
