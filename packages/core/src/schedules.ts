import { OptionError } from './errors.js';
import { schemas, validateOptions, z } from './options.js';

/**
 * Where a cyclic schedule is: cycle `index` (0-based) and the fraction
 * `phase` ∈ [0, 1) of that cycle already done.
 */
export interface CyclePosition {
  readonly index: number;
  readonly phase: number;
}

/**
 * A learning rate as a function of training progress, for the optimizer
 * spec's `learningRate`. Progress is counted in epochs over the trainer's
 * life, fractional inside an epoch: the step on batch b of epoch E (both
 * 0-based, B batches an epoch) runs at `at(E + b/B)` — PyTorch's
 * `scheduler.step(epoch + i/iters)` convention — so a schedule is stateless
 * and a resumed checkpoint continues it exactly.
 */
export interface LearningRateSchedule {
  /** What it is, for messages and the README (`'cosineWarmRestarts'`, ...). */
  readonly kind: string;
  /** The learning rate at fractional epoch `epoch` ≥ 0. */
  at(epoch: number): number;
  /** For cyclic schedules (snapshot ensembles, fast geometric ensembling): the cycle at `epoch`. */
  cycle?(epoch: number): CyclePosition;
}

const positive = schemas.positive;
const nonNegative = schemas.nonNegative;

function check<T>(who: string, shape: z.ZodRawShape, options: T): T {
  return validateOptions(`schedules.${who}`, z.object(shape).strict(), options) as T;
}

/** Half a cosine from 1 (phase 0) down to 0 (phase 1). */
const cosineFactor = (phase: number) => (1 + Math.cos(Math.PI * phase)) / 2;

/** Options of {@link stepDecay}. */
export interface StepDecayOptions {
  initial: number;
  /** Epochs between drops. */
  every: number;
  /** Multiplier at each drop. Default 0.1. */
  factor?: number;
}

/** `initial · factor^⌊epoch / every⌋` (PyTorch's StepLR, Keras's staircase decay). */
export function stepDecay(options: StepDecayOptions): LearningRateSchedule {
  const { initial, every, factor = 0.1 } = check('stepDecay', { initial: positive, every: positive, factor: positive.optional() }, options);
  return { kind: 'stepDecay', at: (e) => initial * factor ** Math.floor(e / every) };
}

/** Options of {@link exponentialDecay}. */
export interface ExponentialDecayOptions {
  initial: number;
  /** Multiplier per epoch (PyTorch's γ). */
  rate: number;
  /** Apply it only at whole epochs (true) or smoothly inside them (false, default). */
  staircase?: boolean;
}

/** `initial · rate^epoch` (Keras's ExponentialDecay with decay_steps = one epoch; PyTorch's ExponentialLR when staircase). */
export function exponentialDecay(options: ExponentialDecayOptions): LearningRateSchedule {
  const { initial, rate, staircase = false } = check('exponentialDecay', { initial: positive, rate: positive, staircase: z.boolean({ message: 'must be true or false' }).optional() }, options);
  return { kind: 'exponentialDecay', at: (e) => initial * rate ** (staircase ? Math.floor(e) : e) };
}

/** Options of {@link cosineDecay}. */
export interface CosineDecayOptions {
  initial: number;
  /** Epochs to reach `min`; it stays there afterwards. */
  epochs: number;
  /** Default 0. */
  min?: number;
}

/** `min + (initial − min)·(1 + cos(π·e/epochs))/2`, then `min` (Loshchilov & Hutter 2017 without restarts). */
export function cosineDecay(options: CosineDecayOptions): LearningRateSchedule {
  const { initial, epochs, min = 0 } = check('cosineDecay', { initial: positive, epochs: positive, min: nonNegative.optional() }, options);
  if (min >= initial) throw new OptionError('schedules.cosineDecay', 'min', min, `must be below initial (${initial})`);
  return { kind: 'cosineDecay', at: (e) => min + (initial - min) * cosineFactor(Math.min(e, epochs) / epochs) };
}

/** Options of {@link cosineWarmRestarts}. */
export interface CosineWarmRestartsOptions {
  /** The rate at the start of every cycle. */
  max: number;
  /** The rate each cycle anneals to. Default 0. */
  min?: number;
  /** Epochs in the first cycle (may be fractional). */
  period: number;
  /** Each cycle is this many times longer than the one before. Default 1 (equal cycles, as snapshot ensembles use). */
  multiplier?: number;
}

/**
 * SGDR (Loshchilov & Hutter 2017): in cycle i of length Tᵢ = period·multiplierⁱ,
 * `min + (max − min)·(1 + cos(π·t/Tᵢ))/2` with t the epochs since the cycle
 * began. With multiplier 1 it is the cyclic cosine annealing of snapshot
 * ensembles (Huang et al. 2017), whose members are the cycles' ends.
 */
export function cosineWarmRestarts(options: CosineWarmRestartsOptions): LearningRateSchedule {
  const { max, min = 0, period, multiplier = 1 } = check(
    'cosineWarmRestarts',
    { max: positive, min: nonNegative.optional(), period: positive, multiplier: z.number({ message: 'must be a number' }).finite({ message: 'must be finite' }).min(1, { message: 'must be ≥ 1' }).optional() },
    options,
  );
  if (min >= max) throw new OptionError('schedules.cosineWarmRestarts', 'min', min, `must be below max (${max})`);
  const cycle = (e: number): CyclePosition => {
    if (multiplier === 1) {
      const index = Math.floor(e / period);
      return { index, phase: e / period - index };
    }
    // cycle i starts at period·(mⁱ − 1)/(m − 1)
    const index = Math.floor(Math.log(1 + (e * (multiplier - 1)) / period) / Math.log(multiplier) + 1e-12);
    const start = (period * (multiplier ** index - 1)) / (multiplier - 1);
    return { index, phase: Math.min(1 - Number.EPSILON, Math.max(0, (e - start) / (period * multiplier ** index))) };
  };
  return { kind: 'cosineWarmRestarts', at: (e) => min + (max - min) * cosineFactor(cycle(e).phase), cycle };
}

/** Options of {@link cyclicLinear}. */
export interface CyclicLinearOptions {
  /** The rate at each cycle's start and end. */
  high: number;
  /** The rate at each cycle's middle. */
  low: number;
  /** Epochs per cycle (fast geometric ensembling uses 2–4). */
  period: number;
}

/**
 * The triangular cycle of fast geometric ensembling (Garipov et al. 2018):
 * linear from `high` to `low` over the first half of each cycle and back to
 * `high` over the second; FGE collects a member at each cycle's middle.
 */
export function cyclicLinear(options: CyclicLinearOptions): LearningRateSchedule {
  const { high, low, period } = check('cyclicLinear', { high: positive, low: positive, period: positive }, options);
  if (low >= high) throw new OptionError('schedules.cyclicLinear', 'low', low, `must be below high (${high})`);
  const cycle = (e: number): CyclePosition => {
    const index = Math.floor(e / period);
    return { index, phase: e / period - index };
  };
  return {
    kind: 'cyclicLinear',
    at: (e) => {
      const t = cycle(e).phase;
      return t <= 0.5 ? (1 - 2 * t) * high + 2 * t * low : (2 - 2 * t) * low + (2 * t - 1) * high;
    },
    cycle,
  };
}

/** Options of {@link oneCycle}. */
export interface OneCycleOptions {
  /** The peak rate. */
  max: number;
  /** Length of the whole cycle in epochs (the fit's epochs). */
  epochs: number;
  /** Fraction of the cycle spent rising. Default 0.25 (fastai; PyTorch uses 0.3). */
  warmupFraction?: number;
  /** Start at max / divFactor. Default 25. */
  divFactor?: number;
  /** End at max / (divFactor · finalDivFactor). Default 1e4 (PyTorch's default). */
  finalDivFactor?: number;
}

/**
 * The one-cycle policy (Smith 2018, as fastai's `fit_one_cycle` and PyTorch's
 * OneCycleLR with cosine annealing): cosine up from max/divFactor to max over
 * the warm-up, cosine down to max/(divFactor·finalDivFactor), then stays.
 */
export function oneCycle(options: OneCycleOptions): LearningRateSchedule {
  const { max, epochs, warmupFraction = 0.25, divFactor = 25, finalDivFactor = 1e4 } = check(
    'oneCycle',
    { max: positive, epochs: positive, warmupFraction: z.number({ message: 'must be a number' }).gt(0, { message: 'must be in (0, 1)' }).lt(1, { message: 'must be in (0, 1)' }).optional(), divFactor: positive.optional(), finalDivFactor: positive.optional() },
    options,
  );
  const start = max / divFactor;
  const end = start / finalDivFactor;
  const rise = epochs * warmupFraction;
  return {
    kind: 'oneCycle',
    at: (e) => {
      if (e < rise) return max + (start - max) * cosineFactor(e / rise);
      const t = Math.min(1, (e - rise) / (epochs - rise));
      return end + (max - end) * cosineFactor(t);
    },
  };
}

/** Options of {@link linearWarmup}. */
export interface LinearWarmupOptions {
  /** What follows the warm-up: a fixed rate or a schedule (evaluated at the same epoch). */
  to: number | LearningRateSchedule;
  /** Warm-up length in epochs (may be fractional). */
  epochs: number;
  /** The fraction of `to` at epoch 0. Default 1/3 (PyTorch's LinearLR). */
  startFactor?: number;
}

/** `to(e) · (startFactor + (1 − startFactor)·min(1, e/epochs))`: a linear ramp into another rate (PyTorch's LinearLR). */
export function linearWarmup(options: LinearWarmupOptions): LearningRateSchedule {
  const { to, epochs, startFactor = 1 / 3 } = check(
    'linearWarmup',
    { to: z.union([positive, z.custom<LearningRateSchedule>(isSchedule)], { message: 'must be a rate > 0 or a schedule' }), epochs: positive, startFactor: z.number({ message: 'must be a number' }).gt(0, { message: 'must be in (0, 1]' }).max(1, { message: 'must be in (0, 1]' }).optional() },
    options,
  );
  const target = typeof to === 'number' ? () => to : (e: number) => to.at(e);
  return { kind: 'linearWarmup', at: (e) => target(e) * (startFactor + (1 - startFactor) * Math.min(1, e / epochs)) };
}

/** True for an object with an `at(epoch)` method. */
export function isSchedule(value: unknown): value is LearningRateSchedule {
  return !!value && typeof value === 'object' && typeof (value as LearningRateSchedule).at === 'function';
}

/** The rate a schedule gives at `epoch`, refusing anything but a finite number ≥ 0 (a typo in a custom schedule must not train silently). */
export function scheduledRate(schedule: LearningRateSchedule, epoch: number): number {
  const lr = schedule.at(epoch);
  if (!(typeof lr === 'number' && Number.isFinite(lr) && lr >= 0)) {
    throw new OptionError('Trainer', 'optimizer.learningRate', lr, `the ${schedule.kind ?? 'custom'} schedule gave this at epoch ${epoch}; it must give finite numbers ≥ 0`);
  }
  return lr;
}
