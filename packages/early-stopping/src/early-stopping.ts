import { definePlugin, metricMode, OptionError, Order, schemas, z, type Metrics, type Plugin, type PluginHooks } from '@tikhonov/core';
import { BestParams } from './best-params.js';

/** Options of {@link earlyStopping}. */
export interface EarlyStoppingOptions {
  /** Metric of each validation pass to watch. Default `'val.loss'`. */
  monitor?: string;
  /** `'min'` or `'max'`; default `'max'` for names ending in accuracy, else `'min'`. */
  mode?: 'min' | 'max';
  /** Evaluations without improvement before stopping (the seed's p). Default 5. */
  patience?: number;
  /** An improvement must beat the best by more than this. Default 0. */
  minDelta?: number;
  /** The first improvement must beat this value. */
  baseline?: number;
  /** Evaluations before this step neither count towards patience nor set θ*. */
  startFrom?: number;
  /** Put θ* back when the fit ends (for any reason, errors included). Default true. */
  restoreBest?: boolean;
  /** Keep θ* on disk in this directory (Node) instead of host memory. */
  dir?: string;
  /** Stop (and restore θ*) when the monitored value is worse than this, besides NaN/±∞. */
  divergenceThreshold?: number;
  name?: string;
}

const optionShape = {
  monitor: z.string().min(1).optional(),
  mode: z.enum(['min', 'max'], { message: "must be 'min' or 'max'" }).optional(),
  patience: schemas.positiveInt.optional(),
  minDelta: schemas.nonNegative.optional(),
  baseline: z.number().finite().optional(),
  startFrom: z.number().int().nonnegative().optional(),
  restoreBest: z.boolean().optional(),
  dir: z.string().min(1).optional(),
  divergenceThreshold: z.number().finite().optional(),
};

/** What early stopping leaves in `history.notes[name]`. */
export interface EarlyStoppingReport {
  monitor: string;
  /** i*: the step of the best evaluation (undefined if none improved). */
  bestStep: number | undefined;
  bestEpoch: number | undefined;
  bestValue: number | undefined;
  /** Why the fit ended: this plugin's reason, another plugin's, or completion. */
  stoppedBy: string;
  reason: string;
  restored: boolean;
  evaluations: number;
}

/**
 * Early stopping, Algorithm 7.1 of the seed: after each validation pass (the
 * trainer's validation cadence is the seed's n), keep a copy θ* of the params
 * whenever the monitored value improves, stop after `patience` passes without
 * improvement, and put θ* back when training ends — also when it ends because
 * the epochs ran out or another plugin stopped it.
 */
export const earlyStopping: (options?: EarlyStoppingOptions) => Plugin = definePlugin({ name: 'earlyStopping', options: optionShape, setup: earlyStoppingHooks });

/** The hooks of one early-stopping plugin; θ* and the patience count live in this closure. */
function earlyStoppingHooks(opts: EarlyStoppingOptions, name: string): PluginHooks {
  const monitor = opts.monitor ?? 'val.loss';
  const mode = opts.mode ?? metricMode(monitor);
  const patience = opts.patience ?? 5;
  const minDelta = opts.minDelta ?? 0;
  const restoreBest = opts.restoreBest ?? true;
  const better = (a: number, b: number) => (mode === 'min' ? a < b - minDelta : a > b + minDelta);
  const best = new BestParams(opts.dir);
  let state = { bestValue: undefined as number | undefined, bestStep: undefined as number | undefined, bestEpoch: undefined as number | undefined, wait: 0, evaluations: 0 };
  let stopReason: string | undefined;

  const report = (ctx: { history: { note(n: string, v: unknown): void; stop?: { by: string; reason: string } } }, restored: boolean) => {
    const stop = ctx.history.stop;
    const note: EarlyStoppingReport = {
      monitor,
      bestStep: state.bestStep,
      bestEpoch: state.bestEpoch,
      bestValue: state.bestValue,
      stoppedBy: stop?.by ?? 'error',
      reason: stop?.reason ?? 'the fit failed',
      restored,
      evaluations: state.evaluations,
    };
    ctx.history.note(name, note);
  };

  return {
    order: Order.earlyStopping,
    beforeFit() {
      stopReason = undefined;
    },
    async afterEvaluate(metrics: Metrics, ctx) {
      const value = metrics[monitor];
      if (value === undefined) {
        // known only once a validation pass has run: the metrics depend on the trainer's loss and metrics
        throw new OptionError(name, 'monitor', monitor, `must name a metric of this validation pass (available: ${Object.keys(metrics).join(', ')})`);
      }
      state.evaluations++;
      if (!Number.isFinite(value) || (opts.divergenceThreshold !== undefined && (mode === 'min' ? value > opts.divergenceThreshold : value < opts.divergenceThreshold))) {
        stopReason = `${monitor} diverged to ${value} at step ${ctx.step}`;
        ctx.requestStop(stopReason);
        return;
      }
      if (opts.startFrom !== undefined && ctx.step < opts.startFrom) return;
      const reference = state.bestValue ?? opts.baseline ?? (mode === 'min' ? Infinity : -Infinity);
      if (better(value, reference)) {
        state = { ...state, bestValue: value, bestStep: ctx.step, bestEpoch: ctx.epoch, wait: 0 };
        await best.save(ctx.params);
        return;
      }
      state.wait++;
      if (state.wait >= patience) {
        stopReason = `${monitor} did not improve for ${patience} evaluations (best ${state.bestValue ?? 'none'} at step ${state.bestStep ?? '—'})`;
        ctx.requestStop(stopReason);
      }
    },
    async afterFit(ctx) {
      const restore = restoreBest && best.exists;
      if (restore) await best.restore(ctx.params);
      report(ctx, restore);
    },
    async onError(_error, ctx) {
      const restore = restoreBest && best.exists;
      if (restore) await best.restore(ctx.params);
      report(ctx, restore);
    },
    stateDict: () => ({ ...state, best: best.stateDict() }),
    loadStateDict(saved) {
      const { best: bestState, ...rest } = saved as typeof state & { best: Record<string, unknown> };
      state = { ...state, ...rest };
      best.loadStateDict(bestState ?? {});
    },
  };
}
