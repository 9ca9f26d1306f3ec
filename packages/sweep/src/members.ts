// Ensemble members as trials: @tikhonov/ensembles' bagging and deepEnsemble
// hand their members to a runner (its MemberRunner contract); this adapter
// turns each member into a trial that any of the sweep's runners can run —
// worker threads here, or tikhonov-worker processes on other machines — and
// hands back each trained member's checkpoint.
import { checkpointFromBytes, OptionError, schemas, validateOptions, z, type CheckpointData, type Dataset, type FitOptions } from '@tikhonov/core';
import { codeVersionOf, hashOf, moduleUrl } from './code-version.js';
import { DataCache } from './run-trial.js';
import type { Runner } from './runner.js';
import { encodeRows, type DataRef, type Trial, type TrialFit } from './trial.js';

/** One member to train, as `@tikhonov/ensembles` describes it (its `MemberJob`). */
export interface MemberJob {
  readonly index: number;
  readonly seed: number;
  /** Rows of the training data the member fits (bagging's bootstrap sample). */
  readonly sample?: Int32Array;
}

/** What {@link members} returns: `@tikhonov/ensembles`' `MemberRunner`, structurally. */
export interface MembersRunner {
  run(jobs: readonly MemberJob[], data: Dataset, fit: FitOptions): Promise<CheckpointData[]>;
}

/** Options of {@link members}. */
export interface MembersOptions {
  /** Where the members train: `local({ workers })`, `bullmq({ connection })` or `inline()`. The caller closes it. */
  runner: Runner;
  /** The member module: `export function makeTrainer(seed, index)` (the ensemble's own makeTrainer) and optionally `setup({ threads })`. */
  module: string | URL;
  /** The export that makes a member's trainer. Default `'makeTrainer'`. */
  exportName?: string;
  /**
   * The data set by name, so each worker loads it where the member trains.
   * The ensemble's `data` must be its training part (and a fit's validation
   * data its validation part): checked value for value before any member is queued.
   */
  data: DataRef;
}

const optionsSchema = z
  .object({
    runner: z.custom<Runner>((r) => typeof (r as Runner | undefined)?.run === 'function' && typeof (r as Runner).close === 'function', { message: 'must be a runner: inline(), local({ workers }) or bullmq({ connection, queue })' }),
    module: z.union([z.string().min(1), z.instanceof(URL)], { message: 'must be a module path or a file: URL' }),
    exportName: z.string().min(1).optional(),
    data: z.object({ name: z.string() }).passthrough(),
  })
  .strict();

/** Fit options that travel with a member trial; the others live in the driver's memory and cannot. */
const TRAVELLING = new Set(['epochs', 'batchSize', 'shuffle', 'validation']);

/**
 * A runner for ensemble members (`bagging({ …, runner: members({ runner, module, data }) })`):
 * each member becomes a trial — its seed, index and bootstrap sample, the fit
 * options, the data set by name and the module's code version — that the
 * sweep runner runs where its workers are. A member's numbers equal training
 * it in sequence on the same backend (tested bit for bit, through worker
 * threads and through BullMQ), since its seed fixes everything it draws.
 */
export function members(options: MembersOptions): MembersRunner {
  const o = validateOptions('members', optionsSchema, options) as MembersOptions;
  const module = moduleUrl(o.module);
  const codeVersion = codeVersionOf(module);
  const exportName = o.exportName ?? 'makeTrainer';
  return {
    async run(jobs, data, fit) {
      for (const key of Object.keys(fit)) {
        if (!TRAVELLING.has(key)) throw new OptionError('members', `fit.${key}`, (fit as unknown as Record<string, unknown>)[key], `cannot travel to a worker: member trials carry only ${[...TRAVELLING].join(', ')}`);
      }
      const every = fit.validation?.every;
      const trialFit: TrialFit = {
        ...(fit.batchSize !== undefined ? { batchSize: fit.batchSize } : {}),
        ...(fit.shuffle !== undefined ? { shuffle: fit.shuffle } : {}),
        ...(every && every !== 'epoch' ? { validateEverySteps: every.steps } : {}),
      };
      checkSameData(o.data, data, fit.validation?.data);
      const trials = jobs.map((job) => {
        const description = {
          config: job.index,
          rung: 0,
          params: {},
          seed: job.seed,
          epochs: fit.epochs,
          fit: trialFit,
          data: o.data,
          objective: { metric: 'val.loss', mode: 'min' as const },
          module,
          exportName,
          codeVersion,
          member: { index: job.index, sample: job.sample ? encodeRows(job.sample) : null, validate: fit.validation !== undefined },
        };
        return { id: hashOf(description), ...description } satisfies Trial;
      });
      const results = await inFlight(trials, o.runner.capacity, (trial) => o.runner.run(trial));
      return results.map((r, k) => {
        if (typeof r.checkpoint !== 'string') throw new Error(`member ${jobs[k]!.index}'s trial ${r.id} came back without a checkpoint (a worker of an older @tikhonov/sweep?)`);
        return checkpointFromBytes(Buffer.from(r.checkpoint, 'base64'));
      });
    },
  };
}

/** Runs the trials with at most `capacity` in flight; results in trial order. */
async function inFlight<T, R>(items: readonly T[], capacity: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const k = next++;
      results[k] = await run(items[k]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(capacity, items.length) }, lane));
  return results;
}

/**
 * Refuses an ensemble whose data is not the reference's training part (or
 * whose validation data is not its validation part): the workers load the
 * reference, so anything else would train the members on other data.
 */
function checkSameData(ref: DataRef, train: Dataset, validation: Dataset | undefined): void {
  const cache = new DataCache();
  try {
    const splits = cache.get(ref);
    const same = (a: Dataset, b: Dataset) => a.size === b.size && equalTensor(a.x, b.x) && equalTargets(a.y, b.y) && (a.weight === undefined) === (b.weight === undefined) && (a.weight === undefined || equalTensor(a.weight, b.weight!));
    if (!same(train, splits.train)) throw new OptionError('members', 'data', ref, `must name the ensemble's training data, but its training part (${splits.train.size} rows) differs from the ${train.size} rows the ensemble was given: pass the reference's trainValidationTest(…).train with the same split options`);
    if (validation && !same(validation, splits.validation)) throw new OptionError('members', 'fit.validation.data', `${validation.size} rows`, `must be the validation part of ${JSON.stringify(ref)} (${splits.validation.size} rows), which the workers load`);
  } finally {
    cache.dispose();
  }
}

function equalTargets(a: Dataset['y'], b: Dataset['y']): boolean {
  if (a instanceof Object && 'dataSync' in a) return b instanceof Object && 'dataSync' in b && equalTensor(a as Dataset['x'], b as Dataset['x']);
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  const ra = a as Record<string, Dataset['x']>;
  const rb = b as Record<string, Dataset['x']>;
  return ka.join() === kb.join() && ka.every((k) => equalTensor(ra[k]!, rb[k]!));
}

function equalTensor(a: Dataset['x'], b: Dataset['x']): boolean {
  if (a.shape.join() !== b.shape.join() || a.dtype !== b.dtype) return false;
  const x = a.dataSync();
  const y = b.dataSync();
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
