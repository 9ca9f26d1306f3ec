import type { Dataset } from './data/dataset.js';
import { OptionError } from './errors.js';
import { exportCheckpoint, importCheckpoint } from './checkpoint.js';
import { learningRateOf, setLearningRate } from './optimizers.js';
import { schemas, validateOptions, z } from './options.js';
import type { Trainer } from './trainer.js';

/** Options of {@link lrFind}. */
export interface LrFindOptions {
  /** First rate of the sweep. Default 1e-7. */
  start?: number;
  /** Last rate. Default 10. */
  end?: number;
  /** Steps of the sweep (one batch each), rates spaced geometrically. Default 100. */
  steps?: number;
  batchSize?: number;
  /** β of the loss's exponential moving average (bias-corrected, as fastai). Default 0.98. */
  smoothing?: number;
  /** Stop once the smoothed loss exceeds this many times its minimum (or is not finite). Default 4. */
  divergence?: number;
}

/** What {@link lrFind} measured. */
export interface LrFindResult {
  /** The rate of each step run. */
  rates: number[];
  /** Each step's training loss. */
  losses: number[];
  /** The bias-corrected moving average of the losses. */
  smoothed: number[];
  /** Halfway along the longest stretch where the smoothed loss keeps falling (the suggestion to start from). */
  valley: number;
  /** Where the smoothed loss falls fastest per unit log rate, within that stretch. */
  steepest: number;
  /** A tenth of the rate at the smoothed loss's minimum (fastai's "minimum/10"). */
  minimumOverTen: number;
  /** Whether the sweep stopped early because the loss diverged. */
  diverged: boolean;
}

const schema = z
  .object({
    start: schemas.positive.optional(),
    end: schemas.positive.optional(),
    steps: schemas.positiveInt.min(5, { message: 'must be ≥ 5' }).optional(),
    batchSize: schemas.positiveInt.optional(),
    smoothing: schemas.rate.optional(),
    divergence: schemas.positive.gt(1, { message: 'must be > 1' }).optional(),
  })
  .strict();

/**
 * The learning-rate range test (Smith 2017; fastai's `lr_find`): trains one
 * batch per step while the rate grows geometrically from `start` to `end`,
 * records the loss, stops when it diverges, and returns the curve with three
 * suggestions (valley, steepest, minimum/10). The trainer is restored afterwards exactly as it was (params,
 * optimizer slots, plugin states, counters, history, rate): the sweep is a
 * measurement, not training. Each step is a one-step `fit`, so plugins run
 * as they would over many short fits. Needs a constant learning rate.
 */
export async function lrFind(trainer: Trainer, data: Dataset, options: LrFindOptions = {}): Promise<LrFindResult> {
  const o = validateOptions('lrFind', schema, options);
  const { start = 1e-7, end = 10, steps = 100, batchSize = 32, smoothing = 0.98, divergence = 4 } = o;
  if (end <= start) throw new OptionError('lrFind', 'end', end, `must be above start (${start})`);
  if (trainer.schedule) throw new OptionError('lrFind', 'trainer', trainer.schedule.kind, 'needs an optimizer with a constant learningRate (the schedule would set the rate every step)');
  const initialRate = learningRateOf(trainer.optimizer);
  if (initialRate === undefined) throw new OptionError('lrFind', 'trainer', trainer.optimizer.getClassName(), 'needs an optimizer with a learningRate');
  trainer.build(data.x.shape.slice(1));
  const saved = await exportCheckpoint(trainer);
  const rates: number[] = [];
  const losses: number[] = [];
  const smoothed: number[] = [];
  let average = 0;
  let best = Number.POSITIVE_INFINITY;
  let diverged = false;
  try {
    for (let i = 0; i < steps; i++) {
      const rate = start * (end / start) ** (i / (steps - 1));
      setLearningRate(trainer.optimizer, rate);
      // a one-step fit; its closing log point holds this step's loss
      const history = await trainer.fit(data, { epochs: Number.MAX_SAFE_INTEGER, batchSize, maxSteps: trainer.step + 1 });
      const loss = history.logs.at(-1)!.loss!;
      average = smoothing * average + (1 - smoothing) * loss;
      const value = average / (1 - smoothing ** (i + 1));
      rates.push(rate);
      losses.push(loss);
      smoothed.push(value);
      if (!Number.isFinite(value) || value > divergence * best) {
        diverged = true;
        break;
      }
      best = Math.min(best, value);
    }
  } finally {
    await importCheckpoint(trainer, saved);
    setLearningRate(trainer.optimizer, initialRate);
  }
  return { rates, losses, smoothed, ...suggestions(rates, smoothed), diverged };
}

/**
 * The suggestions of a finished sweep (the diverged last point left out).
 * The valley is the longest run of points along which the smoothed loss
 * keeps falling (a longest decreasing subsequence, so a noisy blip does not
 * end it); `valley` is the rate halfway along it, `steepest` the rate of the
 * most negative slope per unit log rate within it (noise before the descent
 * cannot win; slopes over ±n/20 points), `minimumOverTen` a tenth of the rate at the minimum.
 */
function suggestions(rates: number[], smoothed: number[]): Pick<LrFindResult, 'valley' | 'steepest' | 'minimumOverTen'> {
  const n = Number.isFinite(smoothed.at(-1)!) ? smoothed.length : smoothed.length - 1;
  // length[i]: the longest decreasing subsequence ending at i; from[i]: where it starts
  const length = new Array<number>(n).fill(1);
  const from = Array.from({ length: n }, (_, i) => i);
  let end = 0;
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (smoothed[i]! < smoothed[j]! && length[j]! + 1 > length[i]!) {
        length[i] = length[j]! + 1;
        from[i] = from[j]!;
      }
    }
    if (length[i]! > length[end]!) end = i;
  }
  const start = from[end]!;
  // slopes over ±k points (k: a twentieth of the sweep), so the barely-averaged first points' noise does not pass for a descent
  const k = Math.max(1, Math.floor(n / 20));
  let steepest = start;
  let slope = Number.POSITIVE_INFINITY;
  for (let i = Math.max(start, k); i <= Math.min(end, n - 1 - k); i++) {
    // central difference of the smoothed loss per unit log rate
    const d = (smoothed[i + k]! - smoothed[i - k]!) / (Math.log(rates[i + k]!) - Math.log(rates[i - k]!));
    if (d < slope) [slope, steepest] = [d, i];
  }
  let lowest = 0;
  for (let i = 1; i < n; i++) if (smoothed[i]! < smoothed[lowest]!) lowest = i;
  return { valley: rates[Math.round((start + end) / 2)]!, steepest: rates[steepest]!, minimumOverTen: rates[lowest]! / 10 };
}
