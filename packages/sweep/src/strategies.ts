import { OptionError } from '@tikhonov/core';
import { gridOf, sampleOf, type Params, type Space } from './space.js';
import type { Objective, TrialResult } from './trial.js';

/** What a strategy gets from the search: the space, the budget and a way to run a configuration. */
export interface StrategyContext {
  readonly space: Space;
  readonly seed: number;
  /** The search's `trials` option (configurations to try), if given. */
  readonly trials: number | undefined;
  /** The search's epoch budget: a full trial's epochs, the top rung's for successive halving. */
  readonly epochs: number;
  readonly objective: Objective;
  /** How many trials the runner runs at once. */
  readonly capacity: number;
  /** Runs configuration `config` (its options `params`) at `rung` for `epochs` epochs. */
  submit(config: number, params: Params, rung: number, epochs: number): Promise<TrialResult>;
}

/** A search strategy: decides which configurations run, at which budget. */
export interface Strategy {
  readonly name: string;
  run(ctx: StrategyContext): Promise<void>;
}

/**
 * Orders results best first under the objective; a trial without a value
 * (nothing finite to restore) comes last, and ties go to the lower
 * configuration index, so rankings are deterministic.
 */
export function rank(results: readonly TrialResult[], objective: Objective): TrialResult[] {
  const sign = objective.mode === 'min' ? 1 : -1;
  return [...results].sort((a, b) => {
    if (a.value === null || b.value === null) return a.value === null ? (b.value === null ? a.config - b.config : 1) : -1;
    return sign * (a.value - b.value) || a.config - b.config;
  });
}

function noTrials(name: string, ctx: StrategyContext): void {
  if (ctx.trials !== undefined) throw new OptionError('search', 'trials', ctx.trials, `must be left out for ${name} search: it runs every combination of the space`);
}

function needTrials(name: string, ctx: StrategyContext): number {
  if (ctx.trials === undefined) throw new OptionError('search', 'trials', undefined, `must be given for ${name} search: the number of configurations to draw`);
  return ctx.trials;
}

/** Grid search: exactly the cartesian product of the space (ranges need `steps`), each for the full epoch budget. */
export function grid(): Strategy {
  return {
    name: 'grid',
    async run(ctx) {
      noTrials('grid', ctx);
      await Promise.all(gridOf(ctx.space).map((p, i) => ctx.submit(i, p, 0, ctx.epochs)));
    },
  };
}

/** Random search: `trials` configurations drawn under the search's seed, each for the full epoch budget. */
export function random(): Strategy {
  return {
    name: 'random',
    async run(ctx) {
      const n = needTrials('random', ctx);
      await Promise.all(sampleOf(ctx.space, n, ctx.seed).map((p, i) => ctx.submit(i, p, 0, ctx.epochs)));
    },
  };
}

/** Options of {@link successiveHalving} and {@link asha}. */
export interface HalvingOptions {
  /** Keep the best 1/η at each rung; the budget grows η× per rung. Default 3. */
  eta?: number;
  /** Epochs at rung 0. The top rung's budget is the search's `epochs`. Default: `epochs` / η^(rungs − 1), at least 1. */
  minEpochs?: number;
  /** Draw configurations from the grid instead of at random (then leave `trials` out). Default false. */
  fromGrid?: boolean;
}

/** The epoch budget of each rung: minEpochs·η^k, capped at (and ending with) the search's epochs. */
export function rungBudgets(minEpochs: number, eta: number, epochs: number): number[] {
  const budgets: number[] = [];
  for (let b = minEpochs; b < epochs; b = Math.round(b * eta)) budgets.push(b);
  budgets.push(epochs);
  return budgets;
}

function halvingSetup(name: string, options: HalvingOptions, ctx: StrategyContext) {
  const eta = options.eta ?? 3;
  if (!(Number.isInteger(eta) && eta >= 2)) throw new OptionError(name, 'eta', eta, 'must be an integer ≥ 2');
  const minEpochs = options.minEpochs ?? Math.max(1, Math.floor(ctx.epochs / eta ** 2));
  if (!(Number.isInteger(minEpochs) && minEpochs >= 1 && minEpochs <= ctx.epochs)) throw new OptionError(name, 'minEpochs', minEpochs, `must be an integer in [1, epochs = ${ctx.epochs}]`);
  let configs: Params[];
  if (options.fromGrid) {
    noTrials(`${name} (fromGrid)`, ctx);
    configs = gridOf(ctx.space);
  } else configs = sampleOf(ctx.space, needTrials(name, ctx), ctx.seed);
  return { eta, budgets: rungBudgets(minEpochs, eta, ctx.epochs), configs };
}

/**
 * Synchronous successive halving (Jamieson & Talwalkar 2016): every
 * configuration runs at rung 0's budget; the best ⌊n/η⌋ (at least one) go on
 * to η× the epochs, and so on up to the search's epochs. Early stopping
 * inside each trial keeps its best, so a rung's score is the restored best
 * within that budget. A promoted configuration runs again from its seed with
 * the larger budget (same data order, same first epochs).
 */
export function successiveHalving(options: HalvingOptions = {}): Strategy {
  return {
    name: 'successiveHalving',
    async run(ctx) {
      const { eta, budgets, configs } = halvingSetup('successiveHalving', options, ctx);
      let alive = configs.map((params, config) => ({ params, config }));
      for (const [rung, epochs] of budgets.entries()) {
        const results = await Promise.all(alive.map((c) => ctx.submit(c.config, c.params, rung, epochs)));
        const keep = Math.max(1, Math.floor(alive.length / eta));
        alive = rank(results, ctx.objective).slice(0, keep).map((r) => ({ params: r.params, config: r.config }));
      }
    },
  };
}

/**
 * Asynchronous successive halving (ASHA, Li et al. 2020): whenever the
 * runner has room, promote the best not-yet-promoted configuration of the
 * highest rung where it is in the top ⌊completed/η⌋; otherwise start a new
 * configuration at rung 0. No rung waits for its slowest trial, so the
 * workers never idle; the price is that a promotion is judged on the
 * results in so far.
 */
export function asha(options: HalvingOptions = {}): Strategy {
  return {
    name: 'asha',
    async run(ctx) {
      const { eta, budgets, configs } = halvingSetup('asha', options, ctx);
      const top = budgets.length - 1;
      const done: TrialResult[][] = budgets.map(() => []);
      const promoted = budgets.map(() => new Set<number>());
      let started = 0;
      let running = 0;
      let failure: unknown;
      let wake: (() => void) | undefined;
      const nextJob = (): { config: number; params: Params; rung: number } | undefined => {
        for (let k = top - 1; k >= 0; k--) {
          const best = rank(done[k]!, ctx.objective).slice(0, Math.floor(done[k]!.length / eta));
          const candidate = best.find((r) => !promoted[k]!.has(r.config));
          if (candidate) {
            promoted[k]!.add(candidate.config);
            return { config: candidate.config, params: candidate.params, rung: k + 1 };
          }
        }
        if (started < configs.length) return { config: started, params: configs[started++]!, rung: 0 };
        return undefined;
      };
      for (;;) {
        if (failure) throw failure;
        let job = running < ctx.capacity ? nextJob() : undefined;
        while (job) {
          const { config, params, rung } = job;
          running++;
          ctx.submit(config, params, rung, budgets[rung]!).then(
            (r) => {
              done[rung]!.push(r);
              running--;
              wake?.();
            },
            (error) => {
              failure ??= error;
              running--;
              wake?.();
            },
          );
          job = running < ctx.capacity ? nextJob() : undefined;
        }
        if (running === 0) {
          if (failure) throw failure;
          return;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}
