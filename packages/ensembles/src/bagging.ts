import * as tf from '@tensorflow/tfjs-core';
import { dataset, deriveSeed, nn, OptionError, type Dataset, type FitOptions, type Trainer } from '@tikhonov/core';
import { combine, type CombineRule } from './combine.js';
import { Ensemble } from './ensemble.js';
import { trainMembers, type MemberJob, type MemberRunner } from './runner.js';

/** Options of {@link bagging} and {@link deepEnsemble}. */
export interface MembersOptions {
  /** How many members. */
  members: number;
  /** Builds member i's trainer; use `seed` as its Trainer seed (its initialisation and batch order). */
  makeTrainer: (seed: number, index: number) => Trainer;
  /** The training data. */
  data: Dataset;
  /** How each member is fitted. */
  fit: FitOptions;
  /** Seeds everything (member seeds and bootstrap samples). Default 0. */
  seed?: number;
  combine?: CombineRule;
  /**
   * Where members train: omitted, in this thread one after another; or a
   * runner such as `workerThreads({ workers: 2, module })` from
   * `@tikhonov/ensembles/node` (members in parallel, the same numbers).
   */
  runner?: MemberRunner;
}

/** What {@link bagging} returns. */
export interface BaggingResult {
  ensemble: Ensemble;
  /** Member i's bootstrap sample: row indices of the training data, with repeats. */
  samples: Int32Array[];
  /** The out-of-bag estimate: per example the combined prediction of the members that did not see it. */
  outOfBag: {
    /** Misclassified fraction over the examples some member left out. */
    error: number;
    /** How many examples at least one member left out. */
    covered: number;
  };
}

function checkCount(who: string, members: unknown): void {
  if (!Number.isInteger(members) || (members as number) < 1) throw new OptionError(who, 'members', members, 'must be a positive integer');
}

/**
 * Bagging (seed §7.10): k members, each fitted on its own bootstrap sample
 * of the training data (m draws with replacement), combined by averaging;
 * the out-of-bag error — every example predicted by the members whose
 * sample missed it — estimates the test error without held-out data.
 * Members train one after another, or through `options.runner`.
 */
export async function bagging(options: MembersOptions): Promise<BaggingResult> {
  checkCount('bagging', options.members);
  const seed = options.seed ?? 0;
  const jobs: MemberJob[] = Array.from({ length: options.members }, (_, i) => ({
    index: i,
    seed: deriveSeed(seed, 'bagging', 'member', i),
    sample: dataset.bootstrapIndices(options.data.size, deriveSeed(seed, 'bagging', 'sample', i)),
  }));
  const trainers = await trainMembers(jobs, options.data, options.fit, options.makeTrainer, options.runner);
  const samples = jobs.map((j) => j.sample!);
  const ensemble = new Ensemble(trainers, { combine: options.combine });
  return { ensemble, samples, outOfBag: outOfBagError(trainers, samples, options.data, ensemble.rule) };
}

/** The out-of-bag error of members fitted on the given samples (classification). */
export function outOfBagError(members: readonly Trainer[], samples: readonly Int32Array[], data: Dataset, rule: CombineRule): { error: number; covered: number } {
  const n = data.size;
  const seen = samples.map((s) => {
    const mask = new Uint8Array(n);
    for (const i of s) mask[i] = 1;
    return mask;
  });
  const labels = Array.from((data.y as tf.Tensor).rank === 1 ? (data.y as tf.Tensor).dataSync() : tf.tidy(() => tf.argMax(data.y as tf.Tensor, -1)).dataSync());
  // examples that the same members left out are combined together: one gather and one combine per such set
  const groups = new Map<string, { members: number[]; rows: number[] }>();
  for (let e = 0; e < n; e++) {
    const out = members.map((_, k) => k).filter((k) => !seen[k]![e]);
    if (out.length === 0) continue;
    const key = out.join(',');
    if (!groups.has(key)) groups.set(key, { members: out, rows: [] });
    groups.get(key)!.rows.push(e);
  }
  const outputs = members.map((m) => nn.single(m.predict(data.x), 'bagging'));
  let wrong = 0;
  let covered = 0;
  for (const { members: out, rows } of groups.values()) {
    const predicted = tf.tidy(() => {
      const index = tf.tensor1d(rows, 'int32');
      return tf.argMax(combine(out.map((k) => tf.gather(outputs[k]!, index)), rule), -1).dataSync();
    });
    rows.forEach((e, i) => (wrong += predicted[i] !== labels[e] ? 1 : 0));
    covered += rows.length;
  }
  tf.dispose(outputs);
  return { error: covered ? wrong / covered : Number.NaN, covered };
}

/** A deep ensemble (Lakshminarayanan et al. 2017): k members on the same data, differing only by their seeds. */
export async function deepEnsemble(options: MembersOptions): Promise<Ensemble> {
  checkCount('deepEnsemble', options.members);
  const seed = options.seed ?? 0;
  const jobs: MemberJob[] = Array.from({ length: options.members }, (_, i) => ({ index: i, seed: deriveSeed(seed, 'deepEnsemble', 'member', i) }));
  const trainers = await trainMembers(jobs, options.data, options.fit, options.makeTrainer, options.runner);
  return new Ensemble(trainers, { combine: options.combine });
}
