import { availableParallelism } from 'node:os';
import type { Trial, TrialModule, TrialResult } from './trial.js';
import { codeVersionOf } from './code-version.js';
import { DataCache, runTrial, workerTag } from './run-trial.js';
import type { TrialCheckpointing } from './trial-checkpoints.js';

/**
 * Runs trials somewhere: in this process ({@link inline}), on worker threads
 * (`local`) or on other machines through a queue (`bullmq`). A search keeps
 * at most `capacity` trials in flight.
 */
export interface Runner {
  /** How many trials may run at once. */
  readonly capacity: number;
  /** What the result table's `worker` column calls this kind of runner. */
  readonly name: string;
  run(trial: Trial): Promise<TrialResult>;
  /** Frees workers and connections; the search calls it when it ends. */
  close(): Promise<void>;
}

/** Thrown when a worker is asked to run a trial made for other code. */
export class CodeVersionError extends Error {
  override name = 'CodeVersionError';
}

/**
 * Loads a trial module once per worker and runs trials with it, checking
 * each trial's code version against the module actually loaded. `override`
 * is the worker's own path to the module (other machines keep it elsewhere).
 */
export class ModuleHost {
  private loaded?: Promise<{ mod: TrialModule; version: string }>;
  private readonly data = new DataCache();
  constructor(
    private readonly threads: number,
    private readonly tag: string,
    private readonly override?: string,
  ) {}

  private load(url: string) {
    this.loaded ??= (async () => {
      const mod = (await import(url)) as TrialModule;
      if (typeof mod.setup === 'function') await mod.setup({ threads: this.threads });
      return { mod, version: codeVersionOf(url) };
    })();
    return this.loaded;
  }

  /** Runs a trial; with `checkpointing` (queue workers) it resumes from and stores checkpoints. */
  async run(trial: Trial, checkpointing?: TrialCheckpointing): Promise<TrialResult> {
    const url = this.override ?? trial.module;
    const { mod, version } = await this.load(url);
    if (version !== trial.codeVersion) throw new CodeVersionError(`trial ${trial.id} was made for code version ${trial.codeVersion}, but this worker's module ${url} is version ${version}: run the same trial module (and @tikhonov/sweep release) as the driver`);
    return runTrial(mod, trial, this.data, this.tag, checkpointing);
  }

  dispose(): void {
    this.data.dispose();
  }
}

/**
 * Runs each trial in this process, one at a time: the reference every other
 * runner's numbers must equal. The trial module's `setup` runs once, here.
 */
export function inline(): Runner {
  const host = new ModuleHost(availableParallelism(), workerTag('inline'));
  return {
    capacity: 1,
    name: 'inline',
    run: (trial) => host.run(trial),
    close: async () => host.dispose(),
  };
}
