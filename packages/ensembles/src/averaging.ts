import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, lerp, nn, schemas, z, type FitContext, type ParamTable, type Plugin } from '@tikhonov/core';
import { tensorsFromJSON, tensorsToJSON, type SavedTensor } from './tensor-state.js';

/**
 * A running average of the params: a kept tensor per param name (never the
 * trainer's own variables) and how many updates made it; saved as JSON at
 * checkpoint time (the only host read).
 */
class ParamAverage {
  private values: Map<string, tf.Tensor> | undefined;
  /** Updates so far (the first snapshot counts as one for an average started from it). */
  count = 0;

  /** Starts from a copy of the params (core's snapshot) or from zeros, once. */
  start(params: ParamTable, zeros: boolean): void {
    this.values ??= zeros ? new Map(params.all.map((p) => [p.name, tf.keep(tf.zerosLike(p.variable))])) : params.snapshot();
  }

  get started(): boolean {
    return this.values !== undefined;
  }

  /** Counts one update and replaces each value by next(old, current param). */
  update(params: ParamTable, next: (old: tf.Tensor, current: tf.Tensor) => tf.Tensor): void {
    this.count++;
    for (const p of params.all) {
      const old = this.values!.get(p.name)!;
      this.values!.set(p.name, tf.keep(tf.tidy(() => next(old, p.variable))));
      old.dispose();
    }
  }

  get(name: string): tf.Tensor | undefined {
    return this.values?.get(name);
  }

  /** Replaces the batch-norm statistics in the average by those recomputed over the fit's training data for the averaged weights. */
  refreshBatchNorm(ctx: FitContext): void {
    if (!this.values || !ctx.data || !ctx.params.all.some((p) => p.role === 'state')) return;
    const fresh = nn.batchNormStatistics(ctx.model, ctx.data.x, { params: this.values });
    for (const [name, value] of fresh) {
      this.values.get(name)?.dispose();
      this.values.set(name, value);
    }
  }

  /** The checkpoint hooks of a plugin holding this average. */
  hooks(): Pick<Plugin, 'stateDict' | 'loadStateDict' | 'dispose'> {
    return {
      stateDict: () => ({
        count: this.count,
        values: this.values ? tensorsToJSON(this.values) : null,
      }),
      loadStateDict: (state) => {
        this.free();
        this.count = state.count as number;
        const saved = state.values as Record<string, SavedTensor> | null;
        this.values = saved ? tensorsFromJSON(saved) : undefined;
      },
      dispose: () => this.free(),
    };
  }

  private free(): void {
    this.values?.forEach((t) => t.dispose());
    this.values = undefined;
  }
}

/** Options of {@link ema}. */
export interface EmaOptions {
  /** β of θ̄ ← β·θ̄ + (1 − β)·θ after every step. Default 0.999. */
  decay?: number;
  /** Start θ̄ at 0 and use θ̄/(1 − βᵗ) (as Adam's moments), instead of starting at the initial params. Default false. */
  biasCorrection?: boolean;
  /**
   * `'recompute'` (default): before every validation pass and when the fit
   * ends, the batch-norm statistics for θ̄ are recomputed over the fit's
   * training data (one inference pass over it), so inference never runs θ̄
   * with statistics of other weights; `'average'` uses the moving average of
   * the moving statistics (as timm's ModelEma). Models without batch norm
   * skip it.
   */
  batchNorm?: 'recompute' | 'average';
}

/**
 * An exponential moving average of the params (Polyak averaging's
 * exponential form): after every step, at the `'average'` afterStep tier
 * (it sees the step's final params, after decay and constraints),
 * θ̄ ← β·θ̄ + (1 − β)·θ. Inference (`predict`, `evaluate`, validation; the
 * `'infer'` and `'sample'` modes) runs on θ̄ through `transformParam`;
 * training continues on the raw params, which it never writes.
 */
export const ema: (options?: EmaOptions & { name?: string }) => Plugin = definePlugin({
  name: 'ema',
  options: {
    decay: z.number({ message: 'must be a number' }).min(0, { message: 'must be in [0, 1)' }).lt(1, { message: 'must be in [0, 1)' }).optional(),
    biasCorrection: z.boolean({ message: 'must be true or false' }).optional(),
    batchNorm: z.enum(['recompute', 'average'], { message: "must be 'recompute' or 'average'" }).optional(),
  },
  setup: ({ decay = 0.999, biasCorrection = false, batchNorm = 'recompute' }: EmaOptions) => {
    const average = new ParamAverage();
    // batch-norm statistics recomputed for the θ̄ of the last refresh; dropped when θ̄ moves on
    let statistics: Map<string, tf.Tensor> | undefined;
    const dropStatistics = () => {
      statistics?.forEach((t) => t.dispose());
      statistics = undefined;
    };
    const averaged = (name: string, value: tf.Tensor) => {
      const mean = average.get(name);
      if (!mean || (biasCorrection && average.count === 0)) return value;
      return biasCorrection ? tf.div(mean, 1 - decay ** average.count) : mean;
    };
    const refresh = (ctx: FitContext) => {
      if (batchNorm !== 'recompute' || !average.started || !ctx.data || !ctx.params.all.some((p) => p.role === 'state')) return;
      const values = new Map(ctx.params.all.map((p) => [p.name, averaged(p.name, p.variable)]));
      const fresh = nn.batchNormStatistics(ctx.model, ctx.data.x, { params: values });
      // the bias-corrected copies are this refresh's own; the average's tensors and the variables are not
      for (const p of ctx.params.all) if (biasCorrection && values.get(p.name) !== average.get(p.name) && values.get(p.name) !== p.variable) values.get(p.name)!.dispose();
      dropStatistics();
      statistics = fresh;
    };
    const { stateDict, loadStateDict, dispose } = average.hooks();
    return {
      modes: ['infer', 'sample'],
      afterStepKind: 'average',
      beforeFit: (ctx) => average.start(ctx.params, biasCorrection),
      afterStep(ctx) {
        // θ̄ + (1 − β)(θ − θ̄), the same average as βθ̄ + (1 − β)θ, in one fused pass where the backend has it
        average.update(ctx.params, (old, theta) => lerp(old, theta, 1 - decay));
        dropStatistics();
      },
      beforeEvaluate: refresh,
      afterFit: refresh,
      transformParam: (param, value) => statistics?.get(param.name) ?? averaged(param.name, value),
      stateDict: () => ({ ...stateDict!(), statistics: statistics ? tensorsToJSON(statistics) : null }),
      loadStateDict(state) {
        loadStateDict!(state);
        dropStatistics();
        if (state.statistics) statistics = tensorsFromJSON(state.statistics as Record<string, SavedTensor>);
      },
      dispose() {
        dispose!();
        dropStatistics();
      },
    };
  },
});

/** Options of {@link swa}. */
export interface SwaOptions {
  /** The first epoch end whose params join the average (1 = after the first epoch). Default 1. */
  start?: number;
  /** Collect every this many epochs from `start`. Default 1. */
  every?: number;
  /**
   * `'recompute'` (default): after each snapshot joins, the batch-norm
   * statistics of the average are recomputed over the fit's training data
   * with the averaged weights (PyTorch's `update_bn`), so every validation
   * and prediction on θ̄ uses statistics of θ̄; `'average'` keeps the mean of
   * the snapshots' moving statistics. Models without batch norm skip it.
   */
  batchNorm?: 'recompute' | 'average';
}

/**
 * Stochastic weight averaging (Izmailov et al. 2018): the arithmetic mean
 * of the params at epoch ends start, start + every, … (θ̄ ← θ̄ + (θ − θ̄)/n);
 * inference runs on θ̄ once one snapshot is in, training continues on the
 * raw params. Batch-norm statistics of θ̄ are recomputed over the training
 * data each time θ̄ changes (`batchNorm: 'recompute'`, the default).
 */
export const swa: (options?: SwaOptions & { name?: string }) => Plugin = definePlugin({
  name: 'swa',
  options: {
    start: schemas.positiveInt.optional(),
    every: schemas.positiveInt.optional(),
    batchNorm: z.enum(['recompute', 'average'], { message: "must be 'recompute' or 'average'" }).optional(),
  },
  setup: ({ start = 1, every = 1, batchNorm = 'recompute' }: SwaOptions) => {
    const average = new ParamAverage();
    return {
      modes: ['infer', 'sample'],
      afterEpoch(ctx) {
        if (ctx.epoch < start || (ctx.epoch - start) % every !== 0) return;
        if (!average.started) {
          average.start(ctx.params, false);
          average.count = 1;
        } else {
          // count was already raised to n: θ̄ + (θ − θ̄)/n
          average.update(ctx.params, (old, theta) => lerp(old, theta, 1 / average.count));
        }
        if (batchNorm === 'recompute') average.refreshBatchNorm(ctx);
      },
      transformParam: (param, value) => average.get(param.name) ?? value,
      ...average.hooks(),
    };
  },
});
