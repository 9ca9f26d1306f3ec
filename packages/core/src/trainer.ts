import * as tf from '@tensorflow/tfjs-core';
import './register-gradients.js';
import { type Batch, type Dataset, type Targets } from './data/dataset.js';
import { DataError, PluginError, TrainingDivergedError } from './errors.js';
import { History, type HistoryRecord } from './history.js';
import { checkTargets, resolveLosses, type LossSpec, type ResolvedLoss } from './losses.js';
import { accuracyOf } from './metrics.js';
import { BuiltModel } from './nn/model.js';
import type { Module } from './nn/module.js';
import { isRecord } from './nn/module.js';
import type { ParamSelector } from './nn/select.js';
import type { ModelOutput, ParamInfo, Shape, Site } from './nn/types.js';
import { createOptimizer, learningRateOf, type OptimizerSpec } from './optimizers.js';
import { schemas, validateOptions, z } from './options.js';
import { paramTable } from './params.js';
import {
  describeHooks,
  hookTable,
  registerPlugins,
  type FitContext,
  type HookName,
  type HookTable,
  type Metrics,
  type ParamTable,
  type Plugin,
  type PredictContext,
  type StepContext,
} from './plugin.js';
import { createProgress, progressEnabled } from './progress.js';
import { HostRandom, RandomStream, deriveSeed } from './random.js';

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
   * deterministic inference rule (Monte Carlo dropout): plugins see
   * `ctx.sampling` true and perturb with fresh draws on every call. Default false.
   */
  sample?: boolean;
}

const trainerSchema = z.object({
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
});

const fitSchema = z.object({
  epochs: schemas.positiveInt,
  batchSize: schemas.positiveInt.optional(),
  shuffle: z.boolean({ message: 'must be true or false' }).optional(),
  validation: z
    .object({
      data: z.custom<Dataset>((d) => !!d && (d as Dataset).x instanceof tf.Tensor, { message: 'must be a data set (dataset.fromArrays / fromTensors)' }),
      every: z.union([z.literal('epoch'), z.object({ steps: schemas.positiveInt })], { message: "must be 'epoch' or { steps: positive integer }" }).optional(),
    })
    .optional(),
  maxSteps: schemas.positiveInt.optional(),
});

const inferenceSchema = z.object({ batchSize: schemas.positiveInt.optional() });
const predictSchema = inferenceSchema.extend({ sample: z.boolean({ message: 'must be true or false' }).optional() });

/** Per-plugin runtime: the contexts handed to its hooks, built once. */
interface Runtime {
  readonly plugin: Plugin;
  readonly step: StepContext;
}

/** Mutable state of the step being run, read by the contexts' getters. */
interface StepState {
  step: number;
  epoch: number;
  training: boolean;
  /** In inference: the caller asked for a sample of the training-time randomness (predict's `sample`). */
  sampling: boolean;
  batch: Batch | undefined;
  streamKey: ReadonlyArray<number | string>;
}

/**
 * Trains a model with plugins. The training set stays on the backend and each
 * step gathers its batch by index; one `tf.tidy` holds the whole step, and no
 * number is read back from the backend inside it (the running loss is read at
 * log and validation points only).
 */
export class Trainer {
  readonly seed: number;
  readonly plugins: readonly Plugin[];
  readonly optimizer: tf.Optimizer;
  readonly history = new History();
  private readonly options: TrainerOptions;
  private readonly hooks: HookTable;
  /** In inference, only plugins that also wrap predict transform params and activations (resolved once). */
  private readonly inferenceHooks: { transformParam: readonly Plugin[]; transformActivation: readonly Plugin[] };
  private readonly runtimes = new Map<Plugin, Runtime>();
  private readonly fitContexts = new Map<Plugin, FitContext>();
  private builtModel: BuiltModel | undefined;
  private losses: ResolvedLoss[] | undefined;
  private table: ParamTable | undefined;
  private trainableCache: tf.Variable[] | undefined;
  private readonly state: StepState = { step: 0, epoch: 0, training: true, sampling: false, batch: undefined, streamKey: [] };
  private stepCount = 0;
  private epochCount = 0;
  private batchInEpoch = 0;
  private predictCalls = 0;
  private stopRequest: { by: string; reason: string } | undefined;
  /** Each step's loss since the last log point, kept on the backend until read there. */
  private pendingLosses: tf.Scalar[] = [];
  private epochLossSum = 0;
  private epochSteps = 0;
  private goodSnapshot: { step: number; values: Map<string, tf.Tensor> } | undefined;
  private readonly reports = new Map<string, tf.Scalar>();

  constructor(options: TrainerOptions) {
    this.options = validateOptions('Trainer', trainerSchema, options) as TrainerOptions;
    this.seed = this.options.seed ?? 0;
    this.plugins = registerPlugins(this.options.plugins ?? []);
    this.hooks = hookTable(this.plugins);
    this.inferenceHooks = {
      transformParam: this.hooks.transformParam.filter((p) => p.wrapPredict),
      transformActivation: this.hooks.transformActivation.filter((p) => p.wrapPredict),
    };
    this.optimizer = createOptimizer(this.options.optimizer ?? 'adam');
    for (const plugin of this.plugins) this.runtimes.set(plugin, { plugin, step: this.stepContext(plugin) });
    if (this.options.inputShape) this.build(this.options.inputShape);
  }

  /** The built model (params, sites); throws if not built yet. */
  get model(): BuiltModel {
    if (!this.builtModel) throw new Error('the model is not built yet: call trainer.build(inputShape), give inputShape, or fit/predict once');
    return this.builtModel;
  }

  /** True once params exist. */
  get isBuilt(): boolean {
    return this.builtModel !== undefined;
  }

  /** Steps completed over the trainer's life. */
  get step(): number {
    return this.stepCount;
  }

  /** Epochs completed over the trainer's life. */
  get epoch(): number {
    return this.epochCount;
  }

  /** Batches already done in the current, unfinished epoch (non-zero only after a mid-epoch checkpoint). */
  get batchesIntoEpoch(): number {
    return this.batchInEpoch;
  }

  /** The params as plugins see them. */
  get params(): ParamTable {
    this.model;
    return this.table!;
  }

  /** Creates the params for one example's shape (seeded by the trainer seed). Idempotent for the same shape. */
  build(inputShape: readonly number[]): BuiltModel {
    if (this.builtModel) {
      if (this.builtModel.inputShape.join(',') !== inputShape.join(',')) {
        throw new DataError(`x has examples of shape [${inputShape.join(', ')}] but the model was built for [${this.builtModel.inputShape.join(', ')}]`);
      }
      return this.builtModel;
    }
    const model = new BuiltModel(this.options.model, inputShape, this.seed);
    this.losses = resolveLosses(this.options.loss, model.outputShape);
    this.builtModel = model;
    this.table = paramTable(model);
    return model;
  }

  /** Freezes params (they stop moving; fine-tuning, pre-training). Returns the names frozen. */
  freeze(selector: ParamSelector): string[] {
    this.trainableCache = undefined;
    return this.model.setFrozen(selector, true);
  }

  /** Makes frozen params trainable again. Returns the names changed. */
  unfreeze(selector: ParamSelector): string[] {
    this.trainableCache = undefined;
    return this.model.setFrozen(selector, false);
  }

  /** Which plugin fires at each hook, in loop order. */
  describeLoop(): string {
    return describeHooks(this.hooks);
  }

  /**
   * Trains until `epochs` epochs are complete in total, a plugin requests a
   * stop, or `maxSteps` is reached. Returns the trainer's history.
   */
  async fit(train: Dataset, options: FitOptions): Promise<History> {
    const opts = validateOptions('fit', fitSchema, options) as FitOptions;
    const batchSize = opts.batchSize ?? 32;
    const every = opts.validation?.every ?? 'epoch';
    this.prepareData(train, 'training data');
    if (opts.validation) this.prepareData(opts.validation.data, 'validation data');
    this.stopRequest = undefined;
    const batchesPerEpoch = Math.ceil(train.size / batchSize);
    const totalSteps = Math.min(opts.maxSteps ?? Infinity, this.stepCount + (opts.epochs - this.epochCount) * batchesPerEpoch - this.batchInEpoch);
    const progress = await createProgress(progressEnabled(this.options.progress ?? 'auto'), Math.max(0, totalSteps));
    let stopBy = 'completed';
    let stopReason = `${opts.epochs} epochs`;
    try {
      await this.callAsync('beforeFit', (p, ctx) => p.beforeFit!(ctx));
      this.takeGoodSnapshot();
      outer: while (this.epochCount < opts.epochs && !this.stopRequest) {
        if (this.batchInEpoch === 0) await this.callAsync('beforeEpoch', (p, ctx) => p.beforeEpoch!(ctx));
        if (this.stopRequest) break;
        const order = opts.shuffle === false ? Int32Array.from({ length: train.size }, (_, i) => i) : new HostRandom(deriveSeed(this.seed, 'shuffle', this.epochCount)).permutation(train.size);
        const orderTensor = tf.tensor1d(order, 'int32');
        try {
          for (let b = this.batchInEpoch; b < batchesPerEpoch; b++) {
            const start = b * batchSize;
            this.trainStep(train, orderTensor, start, Math.min(batchSize, train.size - start));
            this.batchInEpoch = b + 1;
            progress.update(this.stepCount, { epoch: this.epochCount + 1 });
            if (this.stepCount % (this.options.logEvery ?? 50) === 0) await this.logPoint();
            if (opts.validation && every !== 'epoch' && this.stepCount % every.steps === 0) await this.validate(opts.validation.data);
            if (opts.maxSteps !== undefined && this.stepCount >= opts.maxSteps) {
              stopBy = 'maxSteps';
              stopReason = `${opts.maxSteps} steps`;
              break outer;
            }
            if (this.stopRequest) break outer;
          }
        } finally {
          orderTensor.dispose();
        }
        await this.endEpoch(opts, every === 'epoch');
      }
      if (this.pendingLosses.length > 0) await this.logPoint();
      if (this.batchInEpoch > 0 && this.stopRequest) {
        // a stop mid-epoch still records the partial epoch's numbers
        this.recordEpoch(this.epochCount + this.batchInEpoch / batchesPerEpoch);
      }
      if (this.stopRequest) ({ by: stopBy, reason: stopReason } = this.stopRequest);
      this.history.stop = { by: stopBy, reason: stopReason, step: this.stepCount };
      await this.callAsync('afterFit', (p, ctx) => p.afterFit!(ctx));
      return this.history;
    } catch (error) {
      for (const plugin of this.hooks.onError) {
        try {
          await plugin.onError!(error, this.fitContextOf(plugin));
        } catch (inner) {
          // onError must not hide the original failure; report and go on.
          console.error(`plugin '${plugin.name}' failed in onError:`, inner);
        }
      }
      throw error;
    } finally {
      progress.stop();
    }
  }

  /** Metrics of a data set in inference mode (through `wrapPredict`): `loss`, `accuracy` and per-output ones. */
  async evaluate(data: Dataset, options: InferenceOptions & { prefix?: string } = {}): Promise<Metrics> {
    const { batchSize = 256 } = validateOptions('evaluate', inferenceSchema, { batchSize: options.batchSize });
    this.prepareData(data, 'evaluation data');
    const losses = this.losses!;
    const sums = new Map<string, tf.Scalar>();
    const add = (key: string, value: tf.Scalar) => {
      const old = sums.get(key);
      sums.set(key, tf.keep(old ? tf.add(old, value) : value));
      old?.dispose();
    };
    for (let start = 0; start < data.size; start += batchSize) {
      const n = Math.min(batchSize, data.size - start);
      tf.tidy(() => {
        const batch = sliceBatch(data, start, n);
        const out = this.predictTensor(batch.x);
        let total: tf.Scalar = tf.scalar(0);
        for (const loss of losses) {
          const prediction = pickOutput(out, loss.output);
          const target = pickOutput(batch.y, loss.output);
          const value = loss.fn(prediction, target, batch.weight);
          total = tf.add(total, tf.mul(value, loss.weight));
          if (loss.output) add(`${loss.output}.loss`, tf.mul(value, n));
          const correct = accuracyOf(loss.name, prediction, target);
          if (correct) add(loss.output ? `${loss.output}.accuracy` : 'accuracy', correct);
        }
        add('loss', tf.mul(total, n));
      });
    }
    const prefix = options.prefix ?? '';
    const metrics: Metrics = {};
    for (const [key, sum] of sums) {
      metrics[prefix + key] = (await sum.data())[0]! / data.size;
      sum.dispose();
    }
    return metrics;
  }

  /**
   * Predictions in inference mode, through every plugin's `wrapPredict`; with
   * `sample: true`, one draw of the training-time randomness instead (see
   * {@link PredictOptions}). The caller disposes them.
   */
  predict(x: tf.Tensor | Dataset, options: PredictOptions = {}): ModelOutput {
    const { batchSize = 256, sample = false } = validateOptions('predict', predictSchema, { batchSize: options.batchSize, sample: options.sample });
    const input = x instanceof tf.Tensor ? x : x.x;
    this.build(input.shape.slice(1));
    this.checkInputShape(input, 'predict input');
    const parts: ModelOutput[] = [];
    for (let start = 0; start < input.shape[0]!; start += batchSize) {
      const n = Math.min(batchSize, input.shape[0]! - start);
      parts.push(tf.tidy(() => this.predictTensor(tf.slice(input, start, n), sample)));
    }
    if (parts.length === 1) return parts[0]!;
    return tf.tidy(() => {
      const first = parts[0]!;
      const result = isRecord(first)
        ? Object.fromEntries(Object.keys(first).map((k) => [k, tf.concat(parts.map((p) => (p as Record<string, tf.Tensor>)[k]!))]))
        : tf.concat(parts as tf.Tensor[]);
      for (const p of parts) tf.dispose(isRecord(p) ? Object.values(p) : p);
      return result;
    });
  }

  /** Frees the params, optimizer slots and internal tensors. */
  dispose(): void {
    this.builtModel?.dispose();
    this.optimizer.dispose();
    tf.dispose(this.pendingLosses);
    this.pendingLosses = [];
    this.disposeSnapshot();
    for (const r of this.reports.values()) r.dispose();
    this.reports.clear();
  }

  /** @internal Counters and history for checkpoints. */
  progressState(): { step: number; epoch: number; batchInEpoch: number; history: unknown } {
    return { step: this.stepCount, epoch: this.epochCount, batchInEpoch: this.batchInEpoch, history: this.history.toJSON() };
  }

  /** @internal Restores counters and history from a checkpoint. */
  restoreProgress(state: { step: number; epoch: number; batchInEpoch: number; history: unknown }): void {
    this.stepCount = state.step;
    this.epochCount = state.epoch;
    this.batchInEpoch = state.batchInEpoch;
    const restored = History.fromJSON(state.history);
    this.history.epochs.splice(0, Infinity, ...restored.epochs);
    this.history.logs.splice(0, Infinity, ...restored.logs);
    this.history.evaluations.splice(0, Infinity, ...restored.evaluations);
    this.history.stop = restored.stop;
    for (const key of Object.keys(this.history.notes)) delete this.history.notes[key];
    Object.assign(this.history.notes, restored.notes);
  }

  // ---------------------------------------------------------------- the step

  private trainStep(train: Dataset, order: tf.Tensor1D, start: number, size: number): void {
    const step = this.stepCount + 1;
    this.state.step = step;
    this.state.epoch = this.epochCount;
    this.state.training = true;
    this.state.streamKey = [this.seed, 'step', step];
    const model = this.model;
    tf.tidy(() => {
      const index = tf.slice(order, start, size);
      let batch: Batch = gatherBatch(train, index);
      this.state.batch = undefined;
      for (const plugin of this.hooks.transformBatch) {
        batch = this.call(plugin, 'transformBatch', () => plugin.transformBatch!(batch, this.runtimes.get(plugin)!.step));
      }
      this.state.batch = batch;
      const stateUpdates = new Map<ParamInfo, tf.Tensor>();
      const { value, grads } = gradientsOrCleanUp(() => {
        const out = model.forward(batch.x, this.forwardHooks(true), stateUpdates);
        let total = this.dataLoss(out, batch.y, batch.weight);
        for (const plugin of this.hooks.penalty) {
          const extra = this.call(plugin, 'penalty', () => plugin.penalty!(this.runtimes.get(plugin)!.step));
          if (extra !== undefined) total = tf.add(total, extra);
        }
        return total;
      }, this.trainableVariables());
      let named = this.byParamName(grads);
      for (const plugin of this.hooks.transformGradients) {
        named = this.call(plugin, 'transformGradients', () => plugin.transformGradients!(named, this.runtimes.get(plugin)!.step));
      }
      this.optimizer.applyGradients(this.byVariableName(named));
      for (const [param, next] of stateUpdates) {
        param.variable.assign(next);
        next.dispose();
      }
      for (const plugin of this.hooks.afterStep) this.call(plugin, 'afterStep', () => plugin.afterStep!(this.runtimes.get(plugin)!.step));
      this.accumulateLoss(value);
    });
    this.state.batch = undefined;
    this.stepCount = step;
  }

  /** Keeps the step's loss on the backend for the next log point; no host read. */
  private accumulateLoss(value: tf.Scalar): void {
    // kept as is, not summed here: a running sum and a first-non-finite-step
    // flag cost ≈ 8 small kernels every step, which showed on fast backends
    // (0.5–1 ms of a 5 ms step); the log point reads them all at once
    this.pendingLosses.push(tf.keep(value));
  }

  private forwardHooks(training: boolean) {
    const paramPlugins = training ? this.hooks.transformParam : this.inferenceHooks.transformParam;
    const sitePlugins = training ? this.hooks.transformActivation : this.inferenceHooks.transformActivation;
    // A param read twice in one forward (a shared module) is transformed once.
    const cache = new Map<ParamInfo, tf.Tensor>();
    return {
      training,
      transformParam:
        paramPlugins.length === 0
          ? undefined
          : (param: ParamInfo, value: tf.Tensor) => {
              const known = cache.get(param);
              if (known) return known;
              let v = value;
              for (const plugin of paramPlugins) v = this.call(plugin, 'transformParam', () => plugin.transformParam!(param, v, this.runtimes.get(plugin)!.step));
              cache.set(param, v);
              return v;
            },
      transformActivation:
        sitePlugins.length === 0
          ? undefined
          : (site: Site, h: tf.Tensor) => {
              let v = h;
              for (const plugin of sitePlugins) v = this.call(plugin, 'transformActivation', () => plugin.transformActivation!(site, v, this.runtimes.get(plugin)!.step));
              return v;
            },
    };
  }

  private dataLoss(out: ModelOutput, y: Targets, weight?: tf.Tensor): tf.Scalar {
    let total: tf.Scalar | undefined;
    for (const loss of this.losses!) {
      const value = loss.fn(pickOutput(out, loss.output), pickOutput(y, loss.output), weight);
      const weighted: tf.Scalar = loss.weight === 1 ? value : tf.mul(value, loss.weight);
      total = total ? (tf.add(total, weighted) as tf.Scalar) : weighted;
    }
    return total!;
  }

  private trainableVariables(): tf.Variable[] {
    this.trainableCache ??= this.model.params.filter((p) => p.trainable).map((p) => p.variable);
    if (this.trainableCache.length === 0) throw new Error('every param is frozen; nothing to train (unfreeze some with trainer.unfreeze)');
    return this.trainableCache;
  }

  private byParamName(grads: tf.NamedTensorMap): tf.NamedTensorMap {
    const out: tf.NamedTensorMap = {};
    for (const p of this.model.params) {
      const g = grads[this.model.variableName(p)];
      if (g) out[p.name] = g;
    }
    return out;
  }

  private byVariableName(grads: tf.NamedTensorMap): tf.NamedTensorMap {
    const out: tf.NamedTensorMap = {};
    for (const [name, g] of Object.entries(grads)) out[this.model.variableName(this.model.param(name))] = g;
    return out;
  }

  private predictTensor(x: tf.Tensor, sampling = false): ModelOutput {
    const call = ++this.predictCalls;
    this.state.training = false;
    this.state.sampling = sampling;
    this.state.batch = undefined;
    this.state.streamKey = [this.seed, 'predict', call];
    const base = (input: tf.Tensor) => this.model.forward(input, this.forwardHooks(false));
    let next = base;
    for (const plugin of [...this.hooks.wrapPredict].reverse()) {
      const inner = next;
      const ctx: PredictContext = { model: this.model, params: this.params, random: new RandomStream([this.seed, 'predict', call, plugin.name]), sampling };
      next = (input: tf.Tensor) => this.call(plugin, 'wrapPredict', () => plugin.wrapPredict!(input, inner, ctx));
    }
    try {
      return next(x);
    } finally {
      this.state.training = true;
      this.state.sampling = false;
    }
  }

  // ------------------------------------------------------ log and validation

  /** Reads the kept losses and plugin reports (the only host reads of training) and checks divergence. */
  private async logPoint(): Promise<void> {
    const steps = this.pendingLosses.length;
    if (steps === 0) return;
    const stacked = tf.stack(this.pendingLosses);
    const losses = await stacked.data();
    tf.dispose([stacked, ...this.pendingLosses]);
    this.pendingLosses = [];
    const firstBad = losses.findIndex((v) => !Number.isFinite(v));
    if (firstBad >= 0) {
      const restored = this.goodSnapshot;
      if (restored) this.params.restore(restored.values);
      throw new TrainingDivergedError(this.stepCount - steps + firstBad + 1, restored?.step ?? 0);
    }
    let sum = 0;
    for (const v of losses) sum += v;
    const row: HistoryRecord = { step: this.stepCount, epoch: this.epochCount, loss: sum / steps };
    for (const [name, value] of this.reports) row[name] = (await value.data())[0]!;
    this.history.logs.push(row);
    this.epochLossSum += sum;
    this.epochSteps += steps;
    this.takeGoodSnapshot();
  }

  private takeGoodSnapshot(): void {
    if (!this.builtModel) return;
    this.disposeSnapshot();
    this.goodSnapshot = { step: this.stepCount, values: this.params.snapshot() };
  }

  private disposeSnapshot(): void {
    if (this.goodSnapshot) for (const t of this.goodSnapshot.values.values()) t.dispose();
    this.goodSnapshot = undefined;
  }

  private async validate(data: Dataset): Promise<Metrics> {
    await this.logPoint();
    const metrics = await this.evaluate(data, { prefix: 'val.' });
    this.history.evaluations.push({ step: this.stepCount, epoch: this.epochCount, ...metrics });
    await this.callAsync('afterEvaluate', (p, ctx) => p.afterEvaluate!(metrics, ctx));
    return metrics;
  }

  private async endEpoch(opts: FitOptions, validateNow: boolean): Promise<void> {
    await this.logPoint();
    this.batchInEpoch = 0;
    this.epochCount++;
    const metrics = validateNow && opts.validation ? await this.validate(opts.validation.data) : {};
    this.recordEpoch(this.epochCount, metrics);
    await this.callAsync('afterEpoch', (p, ctx) => p.afterEpoch!(ctx));
  }

  private recordEpoch(epoch: number, metrics: Metrics = {}): void {
    const loss = this.epochSteps > 0 ? this.epochLossSum / this.epochSteps : Number.NaN;
    this.history.epochs.push({ epoch, step: this.stepCount, loss, ...metrics });
    this.epochLossSum = 0;
    this.epochSteps = 0;
  }

  // ------------------------------------------------------------- plumbing

  private prepareData(data: Dataset, what: string): void {
    if (!data || !(data.x instanceof tf.Tensor)) throw new DataError(`${what} must be a data set (dataset.fromArrays / fromTensors)`);
    this.build(data.x.shape.slice(1));
    this.checkInputShape(data.x, what);
    const shape = this.model.outputShape;
    for (const loss of this.losses!) {
      const outShape = (loss.output ? (shape as Record<string, Shape>)[loss.output] : shape) as Shape;
      if (loss.output && (data.y instanceof tf.Tensor || !(loss.output in data.y))) {
        throw new DataError(`${what}: y has no targets for output '${loss.output}'; give y as a record with keys ${this.losses!.map((l) => l.output).join(', ')}`);
      }
      checkTargets(loss, outShape, pickOutput(data.y, loss.output), `${what} y`);
    }
  }

  private checkInputShape(x: tf.Tensor, what: string): void {
    const got = x.shape.slice(1);
    const want = this.model.inputShape;
    if (got.join(',') !== want.join(',')) {
      throw new DataError(`${what}: x has examples of shape [${got.join(', ')}] but the model takes [${want.join(', ')}]`);
    }
  }

  private call<T>(plugin: Plugin, hook: HookName, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof PluginError) throw error;
      throw new PluginError(plugin.name, hook, error);
    }
  }

  private async callAsync(hook: HookName, fn: (p: Plugin, ctx: FitContext) => void | Promise<void>): Promise<void> {
    for (const plugin of this.hooks[hook]) {
      try {
        await fn(plugin, this.fitContextOf(plugin));
      } catch (error) {
        if (error instanceof PluginError) throw error;
        throw new PluginError(plugin.name, hook, error);
      }
    }
  }

  private requestStop(by: string, reason: string): void {
    if (typeof reason !== 'string' || reason.length === 0) throw new TypeError(`requestStop needs a reason (a non-empty string), got ${String(reason)}`);
    this.stopRequest ??= { by, reason };
  }

  /** The fit context a plugin's hooks get: its requestStop is attributed to it. */
  private fitContextOf(plugin: Plugin): FitContext {
    let ctx = this.fitContexts.get(plugin);
    if (!ctx) {
      ctx = this.fitContext(plugin.name);
      this.fitContexts.set(plugin, ctx);
    }
    return ctx;
  }

  private fitContext(by = 'fit'): FitContext {
    const self = this;
    return {
      get model() {
        return self.model;
      },
      get params() {
        return self.params;
      },
      seed: this.seed,
      get epoch() {
        return self.epochCount;
      },
      get step() {
        return self.stepCount;
      },
      history: this.history,
      get learningRate() {
        return learningRateOf(self.optimizer);
      },
      get stopRequest() {
        return self.stopRequest;
      },
      requestStop: (reason) => this.requestStop(by, reason),
      evaluate: (data, prefix) => this.evaluate(data, { prefix }),
      trainer: this,
    };
  }

  private stepContext(plugin: Plugin): StepContext {
    const self = this;
    let streamFor: ReadonlyArray<number | string> | undefined;
    let stream: RandomStream | undefined;
    return {
      get model() {
        return self.model;
      },
      get params() {
        return self.params;
      },
      get step() {
        return self.state.step;
      },
      get epoch() {
        return self.state.epoch;
      },
      get training() {
        return self.state.training;
      },
      get sampling() {
        return self.state.sampling;
      },
      get batch() {
        return self.state.batch;
      },
      get learningRate() {
        return learningRateOf(self.optimizer);
      },
      get random() {
        // One stream per (seed, step, plugin): fresh when the step changes.
        if (streamFor !== self.state.streamKey) {
          streamFor = self.state.streamKey;
          stream = new RandomStream([...self.state.streamKey, plugin.name]);
        }
        return stream!;
      },
      forward: (x, options = {}) => this.model.forward(x, this.forwardHooks(options.training ?? this.state.training)),
      loss: (prediction, target, weight) => this.dataLoss(prediction, target, weight),
      report: (name, value) => {
        const key = `${plugin.name}.${name}`;
        const old = this.reports.get(key);
        this.reports.set(key, tf.keep(typeof value === 'number' ? tf.scalar(value) : tf.clone(value)));
        old?.dispose();
      },
      requestStop: (reason) => this.requestStop(plugin.name, reason),
    };
  }
}

/**
 * `tf.variableGrads`, but when the loss function throws, frees the tensors the
 * gradient tape had saved: tfjs keeps them outside every tidy and frees them
 * only after a successful backward pass, so a failing hook would leak them.
 */
function gradientsOrCleanUp(f: () => tf.Scalar, variables: tf.Variable[]): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  try {
    return tf.variableGrads(f, variables);
  } catch (error) {
    const state = (tf.engine() as unknown as { state: { gradientDepth: number; activeTape: Array<{ saved?: tf.Tensor[] }> | null } }).state;
    if (state.gradientDepth === 0 && state.activeTape) {
      for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
      state.activeTape = null;
    }
    throw error;
  }
}

function gatherBatch(data: Dataset, index: tf.Tensor1D): Batch {
  const take = (t: tf.Tensor) => tf.gather(t, index);
  const y = data.y instanceof tf.Tensor ? take(data.y) : Object.fromEntries(Object.entries(data.y).map(([k, v]) => [k, take(v)]));
  return { x: take(data.x), y, weight: data.weight ? take(data.weight) : undefined };
}

function sliceBatch(data: Dataset, start: number, size: number): Batch {
  const take = (t: tf.Tensor) => tf.slice(t, start, size);
  const y = data.y instanceof tf.Tensor ? take(data.y) : Object.fromEntries(Object.entries(data.y).map(([k, v]) => [k, take(v)]));
  return { x: take(data.x), y, weight: data.weight ? take(data.weight) : undefined };
}

function pickOutput(out: ModelOutput | Targets, name: string | undefined): tf.Tensor {
  if (name === undefined) {
    if (isRecord(out)) throw new DataError(`expected one tensor, got named outputs (${Object.keys(out).join(', ')})`);
    return out;
  }
  if (!isRecord(out)) throw new DataError(`expected named outputs including '${name}', got one tensor`);
  const t = out[name];
  if (!t) throw new DataError(`no output named '${name}' (have ${Object.keys(out).join(', ')})`);
  return t;
}
