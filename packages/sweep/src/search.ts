import { deriveSeed, schemas, validateOptions, z } from '@tikhonov/core';
import { codeVersionOf, hashOf, moduleUrl } from './code-version.js';
import { inline, type Runner } from './runner.js';
import { checkSpace, type Params, type Space } from './space.js';
import { random, rank, type Strategy } from './strategies.js';
import { DATA_NAMES, type DataRef, type Objective, type Trial, type TrialFit, type TrialResult } from './trial.js';

/** Options of {@link search}. */
export interface SearchOptions {
  /** Option name → dimension (choice, range, logRange, intRange, when). The trial module reads them by name. */
  space: Space;
  /** The trial module (path or file: URL): `export function makeTrainer(params, seed)` returning a Trainer with earlyStopping, and optionally `export async function setup({ threads })`. */
  module: string | URL;
  /** The export that makes the trainer. Default `'makeTrainer'`. */
  exportName?: string;
  /** The data set, by name, loaded where each trial runs. */
  data: DataRef;
  /** Epochs of a full trial (successive halving's top rung). */
  epochs: number;
  /** JSON-only fit options shared by every trial. */
  fit?: TrialFit;
  /** The validation metric to optimise, read from early stopping's restored best. Default `{ metric: 'val.loss', mode: 'min' }`. */
  objective?: Objective;
  /** Default `random()`. */
  strategy?: Strategy;
  /** Configurations to draw (random search and successive halving); leave out for grid search. */
  trials?: number;
  /** Seeds the draws and, through it, every trial's trainer seed. Default 0. */
  seed?: number;
  /** Where trials run. Default `inline()` (this process, one at a time). */
  runner?: Runner;
  /** Called with each result as it arrives (progress, logging). */
  onResult?: (result: TrialResult) => void;
}

/** What a search returns. */
export interface SearchResult {
  readonly format: typeof RESULTS_FORMAT;
  readonly strategy: string;
  readonly objective: Objective;
  /** Every trial that ran, in the order they were started: (trial, options, best metric, steps, time, who ran it). */
  readonly table: readonly TrialResult[];
  /** The best trial at the highest rung reached (the largest budget). */
  readonly best: TrialResult | undefined;
}

/** The format tag of a search's results (also in a saved results file). */
export const RESULTS_FORMAT = 'tikhonov-sweep-results/1';

const dataSchema = z
  .object({
    name: z.enum(DATA_NAMES, { message: `must be one of ${DATA_NAMES.join(', ')}` }),
    dir: z.string().min(1).optional(),
    limit: schemas.positiveInt.optional(),
    validation: z.number().gt(0).lt(1).optional(),
    test: z.number().gt(0).lt(1).optional(),
    splitSeed: z.number().int().optional(),
    standardize: z.boolean().optional(),
  })
  .strict();

const optionsSchema = z
  .object({
    space: z.record(z.string(), z.unknown()),
    module: z.union([z.string().min(1), z.instanceof(URL)], { message: 'must be a module path or a file: URL' }),
    exportName: z.string().min(1).optional(),
    data: dataSchema,
    epochs: schemas.positiveInt,
    fit: z.object({ batchSize: schemas.positiveInt.optional(), shuffle: z.boolean().optional(), validateEverySteps: schemas.positiveInt.optional() }).strict().optional(),
    objective: z.object({ metric: z.string().min(1), mode: z.enum(['min', 'max'], { message: "must be 'min' or 'max'" }) }).strict().optional(),
    strategy: z.custom<Strategy>((s) => typeof (s as Strategy | undefined)?.run === 'function', { message: 'must be a strategy: grid(), random(), successiveHalving() or asha()' }).optional(),
    trials: schemas.positiveInt.optional(),
    seed: z.number().int().optional(),
    runner: z.custom<Runner>((r) => typeof (r as Runner | undefined)?.run === 'function' && typeof (r as Runner).close === 'function', { message: 'must be a runner: inline(), local({ workers }) or bullmq({ connection, queue })' }).optional(),
    onResult: z.function().optional(),
  })
  .strict();

/**
 * Hyperparameter search: the strategy picks configurations from the space,
 * each becomes a {@link Trial} (pure data: options, seed, data reference,
 * code version) that the runner runs wherever its workers are, and the
 * result table comes back in start order. Every trial's trainer seed is
 * derived from the search seed and the configuration's index, so a trial's
 * numbers do not depend on where or alongside what it ran.
 */
export async function search(options: SearchOptions): Promise<SearchResult> {
  const o = validateOptions('search', optionsSchema, options) as SearchOptions;
  checkSpace(o.space);
  const module = moduleUrl(o.module);
  const codeVersion = codeVersionOf(module);
  const objective = o.objective ?? { metric: 'val.loss', mode: 'min' };
  const strategy = o.strategy ?? random();
  const seed = o.seed ?? 0;
  const runner = o.runner ?? inline();
  const started: (TrialResult | undefined)[] = [];
  const submit = async (config: number, params: Params, rung: number, epochs: number): Promise<TrialResult> => {
    const slot = started.length;
    started.push(undefined);
    const description = { config, rung, params, seed: deriveSeed(seed, 'sweep-trial', config), epochs, fit: o.fit ?? {}, data: o.data, objective, module, exportName: o.exportName ?? 'makeTrainer', codeVersion };
    const trial: Trial = { id: hashOf(description), ...description };
    const result = await limit(() => runner.run(trial));
    started[slot] = result;
    o.onResult?.(result);
    return result;
  };
  // at most runner.capacity trials in flight; a finishing trial hands its slot straight to the next waiting one
  let active = 0;
  const waiting: (() => void)[] = [];
  const limit = async <T>(job: () => Promise<T>): Promise<T> => {
    if (active >= runner.capacity) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await job();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
  try {
    await strategy.run({ space: o.space, seed, trials: o.trials, epochs: o.epochs, objective, capacity: runner.capacity, submit });
  } finally {
    if (!o.runner) await runner.close();
  }
  const table = started.filter((r): r is TrialResult => r !== undefined);
  const topRung = Math.max(...table.map((r) => r.rung));
  return { format: RESULTS_FORMAT, strategy: strategy.name, objective, table, best: rank(table.filter((r) => r.rung === topRung), objective)[0] };
}
