import { dataset, importCheckpoint, OptionError, type CheckpointData, type Dataset, type FitOptions, type Trainer } from '@tikhonov/core';

/** One member to train: its index, its trainer seed and (bagging) its bootstrap sample. */
export interface MemberJob {
  readonly index: number;
  readonly seed: number;
  /** Rows of the training data the member fits (with repeats); all rows when absent. */
  readonly sample?: Int32Array;
}

/**
 * Trains members somewhere else — worker threads (`workerThreads` from
 * `@tikhonov/ensembles/node`) or the sweep's runners, other machines
 * included (`members({ runner, module, data })` from `@tikhonov/sweep`) — and hands back
 * each member's checkpoint, in job order. The members are rebuilt here with
 * the options' `makeTrainer`, so a runner's trainers must be made by the same
 * function (the same module) for the checkpoints to fit.
 */
export interface MemberRunner {
  run(jobs: readonly MemberJob[], data: Dataset, fit: FitOptions): Promise<CheckpointData[]>;
}

/** Fits every job's member: in this thread one after another, or through the runner; returns the trainers in job order. */
export async function trainMembers(jobs: readonly MemberJob[], data: Dataset, fit: FitOptions, makeTrainer: (seed: number, index: number) => Trainer, runner?: MemberRunner): Promise<Trainer[]> {
  if (runner !== undefined && typeof (runner as MemberRunner | null)?.run !== 'function') throw new OptionError('ensemble members', 'runner', runner, 'must be a runner such as workerThreads({ module }) from @tikhonov/ensembles/node');
  if (!runner) {
    const trainers: Trainer[] = [];
    for (const job of jobs) {
      const trainer = makeTrainer(job.seed, job.index);
      const part = job.sample ? dataset.subset(data, job.sample) : data;
      await trainer.fit(part, fit);
      if (part !== data) dataset.dispose(part);
      trainers.push(trainer);
    }
    return trainers;
  }
  const checkpoints = await runner.run(jobs, data, fit);
  const trainers: Trainer[] = [];
  for (const [k, job] of jobs.entries()) {
    const trainer = makeTrainer(job.seed, job.index);
    trainer.build(data.x.shape.slice(1));
    await importCheckpoint(trainer, checkpoints[k]!);
    trainers.push(trainer);
  }
  return trainers;
}
