import { definePlugin } from '../define-plugin.js';
import { OptionError } from '../errors.js';
import { metricMode } from '../metrics.js';
import { schemas, z } from '../options.js';
import type { Plugin } from '../plugin.js';

/** Options of {@link reduceOnPlateau}. */
export interface ReduceOnPlateauOptions {
  /** The epoch-row metric watched (`val.loss`, `loss`, `val.accuracy`, …). Default `'val.loss'`. */
  monitor?: string;
  /** `'min'` or `'max'`; default `'max'` for a monitor ending in `accuracy`, else `'min'`. */
  mode?: 'min' | 'max';
  /** New rate = old × factor. Default 0.1. */
  factor?: number;
  /** Epochs without improvement before a reduction. Default 10. */
  patience?: number;
  /** An improvement must beat the best by more than this (absolute). Default 1e-4. */
  minDelta?: number;
  /** Epochs after a reduction during which the count of bad epochs stays at 0. Default 0. */
  cooldown?: number;
  /** The rate is never set below this. Default 0. */
  minLearningRate?: number;
}

/**
 * Keras's ReduceLROnPlateau: at each epoch end, if the monitored metric has
 * not improved by more than `minDelta` for `patience` epochs, the learning
 * rate becomes max(lr × factor, minLearningRate); then `cooldown` epochs
 * pass before counting again. Needs a constant `learningRate` (a schedule
 * already sets the rate every step). The rate in effect is in every log row
 * (`learningRate`); the plugin's state (best, counts, rate) is checkpointed.
 */
export const reduceOnPlateau: (options?: ReduceOnPlateauOptions & { name?: string }) => Plugin = definePlugin({
  name: 'reduceOnPlateau',
  options: {
    monitor: z.string({ message: 'must be a metric name' }).min(1, { message: 'must be a metric name' }).optional(),
    mode: z.enum(['min', 'max'], { message: "must be 'min' or 'max'" }).optional(),
    factor: schemas.positive.lt(1, { message: 'must be in (0, 1)' }).optional(),
    patience: schemas.nonNegative.int({ message: 'must be an integer ≥ 0' }).optional(),
    minDelta: schemas.nonNegative.optional(),
    cooldown: schemas.nonNegative.int({ message: 'must be an integer ≥ 0' }).optional(),
    minLearningRate: schemas.nonNegative.optional(),
  },
  setup: (options: ReduceOnPlateauOptions, name) => {
    const { monitor = 'val.loss', factor = 0.1, patience = 10, minDelta = 1e-4, cooldown = 0, minLearningRate = 0 } = options;
    const sign = (options.mode ?? metricMode(monitor)) === 'min' ? 1 : -1;
    // the best value so far (as sign·value, so lower is better), epochs without improvement, cooldown epochs left, the rate set
    let best = Number.POSITIVE_INFINITY;
    let bad = 0;
    let cooling = 0;
    let rate: number | undefined;
    return {
      beforeFit(ctx) {
        if (ctx.schedule) throw new OptionError(name, 'optimizer.learningRate', ctx.schedule.kind, 'reduceOnPlateau needs a constant learningRate: a schedule sets the rate every step');
        if (rate !== undefined) ctx.setLearningRate(rate); // resumed: the reduced rate, not the spec's
      },
      afterEpoch(ctx) {
        const row = ctx.history.epochs.at(-1)!;
        const value = row[monitor];
        if (value === undefined) throw new OptionError(name, 'monitor', monitor, `must be one of the epoch's metrics (${Object.keys(row).join(', ')}); for val.* metrics give fit a validation set`);
        // Keras's order: a cooldown epoch counts down (and clears the bad count) whether or not the metric improved
        if (cooling > 0) {
          cooling--;
          bad = 0;
        }
        if (sign * value < best - minDelta) {
          best = sign * value;
          bad = 0;
          return;
        }
        if (cooling > 0 || ++bad < patience) return;
        const lr = ctx.learningRate!;
        const next = Math.max(lr * factor, minLearningRate);
        bad = 0;
        cooling = cooldown;
        if (next < lr) {
          rate = next;
          ctx.setLearningRate(next);
        }
      },
      // JSON has no Infinity: no best yet is saved as null
      stateDict: () => ({ best: Number.isFinite(best) ? best : null, bad, cooling, rate: rate ?? null }),
      loadStateDict(state) {
        best = (state.best as number | null) ?? Number.POSITIVE_INFINITY;
        bad = state.bad as number;
        cooling = state.cooling as number;
        rate = (state.rate as number | null) ?? undefined;
      },
    };
  },
});
