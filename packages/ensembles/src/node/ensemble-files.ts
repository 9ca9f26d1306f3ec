import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError, OptionError, Trainer } from '@tikhonov/core';
import { loadCheckpoint, saveCheckpoint, writeDirectory } from '@tikhonov/core/node';
import { Ensemble } from '../ensemble.js';
import type { CombineRule } from '../combine.js';

/** The manifest's format tag; a directory without it is not an ensemble. */
export const ENSEMBLE_FORMAT = 'tikhonov-ensemble/1';
const MANIFEST = 'ensemble.json';

/** What `ensemble.json` holds. */
export interface EnsembleManifest {
  format: typeof ENSEMBLE_FORMAT;
  combine: CombineRule;
  weights: number[] | null;
  /** Per member: its checkpoint directory (relative), its trainer seed and its input shape. */
  members: { dir: string; seed: number; inputShape: number[] }[];
}

const memberDir = (i: number) => `member-${i}`;

/**
 * Saves an ensemble whose members are Trainers as one directory:
 * `ensemble.json` (combination rule, weights, each member's seed and input
 * shape) and `member-<i>/`, a core checkpoint per member. Written into a
 * temporary sibling and renamed into place, so a crash leaves the old
 * ensemble or the new one; an existing `dir` is replaced only if it holds
 * nothing but an ensemble's files.
 */
export async function saveEnsemble(ensemble: Ensemble, dir: string): Promise<void> {
  const trainers = ensemble.members.map((m, i) => {
    if (!(m instanceof Trainer)) throw new OptionError('saveEnsemble', `members[${i}]`, m, 'must be a Trainer to be saved (a function member has no params to write)');
    if (!m.isBuilt) throw new OptionError('saveEnsemble', `members[${i}]`, 'an unbuilt Trainer', 'must be built (fitted) before saving');
    return m;
  });
  await writeDirectory(dir, [MANIFEST, ...trainers.map((_, i) => memberDir(i))], 'saved ensemble', async (tmp) => {
    for (const [i, t] of trainers.entries()) await saveCheckpoint(t, join(tmp, memberDir(i)));
    const manifest: EnsembleManifest = {
      format: ENSEMBLE_FORMAT,
      combine: ensemble.rule,
      weights: ensemble.weights ? [...ensemble.weights] : null,
      members: trainers.map((t, i) => ({ dir: memberDir(i), seed: t.seed, inputShape: [...t.model.inputShape] })),
    };
    await writeFile(join(tmp, MANIFEST), JSON.stringify(manifest, null, 1));
  });
}

/**
 * Loads a directory written by {@link saveEnsemble}. `makeTrainer(seed, i)`
 * builds member i's trainer as it was built for training (same model, seed,
 * optimizer and plugins; the same function `bagging`/`deepEnsemble` took);
 * its params, optimizer slots and plugin states come from the member's checkpoint.
 */
export async function loadEnsemble(dir: string, makeTrainer: (seed: number, index: number) => Trainer): Promise<Ensemble> {
  const text = await readFile(join(dir, MANIFEST), 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new CheckpointError(error.code === 'ENOENT' ? `${dir} is not a saved ensemble: it has no ${MANIFEST}` : `cannot read ${join(dir, MANIFEST)}: ${error.message}`);
  });
  let manifest: EnsembleManifest;
  try {
    manifest = JSON.parse(text) as EnsembleManifest;
  } catch (error) {
    throw new CheckpointError(`${join(dir, MANIFEST)} is not valid JSON (truncated or corrupt): ${(error as Error).message}`);
  }
  if (manifest?.format !== ENSEMBLE_FORMAT) throw new CheckpointError(`${join(dir, MANIFEST)} has format ${String(manifest?.format)}; expected ${ENSEMBLE_FORMAT}`);
  const trainers: Trainer[] = [];
  try {
    for (const [i, m] of manifest.members.entries()) {
      const trainer = makeTrainer(m.seed, i);
      trainers.push(trainer);
      if (!(trainer instanceof Trainer)) throw new OptionError('loadEnsemble', 'makeTrainer', trainer, `must return a Trainer (member ${i})`);
      trainer.build(m.inputShape);
      await loadCheckpoint(trainer, join(dir, m.dir));
    }
  } catch (error) {
    // a refused load leaves nothing half-built behind
    for (const t of trainers) if (t instanceof Trainer) t.dispose();
    throw error;
  }
  return new Ensemble(trainers, { combine: manifest.combine, weights: manifest.weights ?? undefined });
}
