import { hostname } from 'node:os';
import { CheckpointError, checkpointFromBytes, checkpointToBytes, dataset, exportCheckpoint, importCheckpoint, OptionError, Trainer, type FitOptions, type Plugin } from '@tikhonov/core';
import { loadBreastCancer, loadDiabetes, loadDigits, loadMnistFormat, trainValidationTest, type Splits } from '@tikhonov/datasets';
import { DATA_NAMES, decodeRows, type DataRef, type Trial, type TrialModule, type TrialResult } from './trial.js';
import { checkpointCallback, type TrialCheckpointing } from './trial-checkpoints.js';

/** An early-stopping note as the earlyStopping plugin leaves it in `history.notes`. */
interface StoppingNote {
  monitor: string;
  bestValue: number | undefined;
  bestEpoch: number | undefined;
}

function loadRef(ref: DataRef): Splits {
  const whole =
    ref.name === 'digits' ? loadDigits().data
    : ref.name === 'breast-cancer' ? loadBreastCancer().data
    : ref.name === 'diabetes' ? loadDiabetes().data
    : ref.name === 'fashion-mnist' ? loadMnistFormat({ split: 'train', ...(ref.dir ? { dir: ref.dir } : {}), ...(ref.limit ? { limit: ref.limit } : {}) })
    : undefined;
  if (!whole) throw new OptionError('trial', 'data.name', ref.name, `must be one of ${DATA_NAMES.join(', ')}`);
  const splits = trainValidationTest(whole, { validation: ref.validation ?? 0.2, test: ref.test ?? 0.2, seed: ref.splitSeed ?? 0, standardize: ref.standardize ?? false });
  dataset.dispose(whole);
  return splits;
}

/**
 * Loads data sets by reference, once per worker: trials on the same data
 * share one copy (read-only: a trial subsets it through the trainer).
 */
export class DataCache {
  private readonly loaded = new Map<string, Splits>();
  get(ref: DataRef): Splits {
    const key = JSON.stringify(ref);
    let splits = this.loaded.get(key);
    if (!splits) {
      splits = loadRef(ref);
      this.loaded.set(key, splits);
    }
    return splits;
  }
  dispose(): void {
    for (const s of this.loaded.values()) for (const part of [s.train, s.validation, s.test]) dataset.dispose(part);
    this.loaded.clear();
  }
}

/** Who runs trials in this process: host and pid, plus a thread or worker tag. */
export const workerTag = (tag: string): string => `${hostname()}/${process.pid}${tag ? `/${tag}` : ''}`;

/**
 * Runs one trial here: makes the trainer with the module's factory from the
 * trial's options and seed, fits it on the referenced data for the trial's
 * epoch budget with its validation part, and reads the objective from early
 * stopping's report (the value at the restored best). With `checkpointing`
 * (queue workers) it first resumes from the trial's stored checkpoint, if a
 * worker that died left one, stores new ones as it trains, and removes its
 * checkpoint once the result is in.
 */
export async function runTrial(mod: TrialModule, trial: Trial, data: DataCache, worker: string, checkpointing?: TrialCheckpointing): Promise<TrialResult> {
  const make = mod[trial.exportName];
  const member = trial.member;
  const signature = member ? '(seed, index) => Trainer' : '(params, seed) => Trainer';
  if (typeof make !== 'function') throw new OptionError('trial module', 'exportName', trial.exportName, `must name an export ${signature} of ${trial.module}; its exports are ${Object.keys(mod).join(', ') || 'none'}`);
  const started = performance.now();
  const splits = data.get(trial.data);
  const trainer = member ? (make as (seed: number, index: number) => unknown)(trial.seed, member.index) : (make as (params: unknown, seed: number) => unknown)(trial.params, trial.seed);
  if (!(trainer instanceof Trainer)) throw new OptionError('trial module', trial.exportName, trainer, `must return a Trainer (${signature})`);
  // a bagging member fits its bootstrap rows, exactly as ensembles' sequential loop subsets them
  const train = member?.sample ? dataset.subset(splits.train, decodeRows(member.sample)) : splits.train;
  try {
    const every = trial.fit.validateEverySteps;
    const fit: FitOptions = {
      epochs: trial.epochs,
      ...(trial.fit.batchSize !== undefined ? { batchSize: trial.fit.batchSize } : {}),
      ...(trial.fit.shuffle !== undefined ? { shuffle: trial.fit.shuffle } : {}),
      ...(!member || member.validate ? { validation: { data: splits.validation, ...(every !== undefined ? { every: { steps: every } } : {}) } } : {}),
    };
    const callbacks: Plugin[] = [];
    let resumedFrom: TrialResult['resumedFrom'] = null;
    if (checkpointing) {
      resumedFrom = await resume(trainer, trial, train.x.shape.slice(1), checkpointing);
      callbacks.push(checkpointCallback(trial.id, trial.epochs, checkpointing));
    }
    await trainer.fit(train, { ...fit, callbacks });
    const score = member ? undefined : objectiveOf(trainer, trial);
    const checkpoint = member ? Buffer.from(checkpointToBytes(await exportCheckpoint(trainer))).toString('base64') : undefined;
    const { id, config, rung, params, seed, epochs } = trial;
    await checkpointing?.store.remove(trial.id);
    return {
      id, config, rung, params, seed, epochs,
      value: score?.value ?? null,
      bestEpoch: score?.bestEpoch ?? null,
      steps: trainer.step,
      stoppedBy: trainer.history.stop?.by ?? 'unknown',
      seconds: (performance.now() - started) / 1000,
      worker,
      resumedFrom,
      ...(checkpoint !== undefined ? { checkpoint } : {}),
    };
  } finally {
    if (train !== splits.train) dataset.dispose(train);
    trainer.dispose();
  }
}

/** The trial's objective from early stopping's report: the value at the restored best (null if not finite). */
function objectiveOf(trainer: Trainer, trial: Trial): { value: number | null; bestEpoch: number | null } {
  const notes = Object.values(trainer.history.notes) as Partial<StoppingNote>[];
  const note = notes.find((n) => n && typeof n === 'object' && n.monitor === trial.objective.metric && 'bestValue' in n);
  if (!note) {
    throw new OptionError('trial module', trial.exportName, `a trainer without earlyStopping({ monitor: '${trial.objective.metric}' })`, "must return a trainer whose plugins include earlyStopping monitoring the search's objective metric (its restored best is the trial's value)");
  }
  return { value: Number.isFinite(note.bestValue) ? note.bestValue! : null, bestEpoch: note.bestEpoch ?? null };
}

/**
 * Loads the trial's stored checkpoint into its fresh trainer, if there is one;
 * returns where it resumes. A checkpoint the trainer refuses (corrupt) is
 * reported and the trial starts over: its result is the same either way.
 */
async function resume(trainer: Trainer, trial: Trial, inputShape: readonly number[], checkpointing: TrialCheckpointing): Promise<TrialResult['resumedFrom']> {
  const bytes = await checkpointing.store.load(trial.id);
  if (!bytes) return null;
  trainer.build(inputShape);
  try {
    await importCheckpoint(trainer, checkpointFromBytes(bytes));
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error;
    console.warn(`trial ${trial.id} (config ${trial.config}): its stored checkpoint cannot be used (${error.message}); running the trial from its first step`);
    return null;
  }
  return { epoch: trainer.epoch, step: trainer.step };
}
