import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { schemas, validateOptions, z, type CheckpointData } from '@tikhonov/core';
import type { MemberJob, MemberRunner } from '../runner.js';
import type { MemberWorkerData } from './member-worker.js';
import { datasetToWire, fitToWire } from './wire.js';

/** Options of {@link workerThreads}. */
export interface WorkerThreadsOptions {
  /** Members training at once, one thread each. Default: the machine's cores. */
  workers?: number;
  /**
   * The module (path or file: URL) that makes a member's trainer:
   * `export function makeTrainer(seed, index)` — the same function the
   * ensemble's `makeTrainer` option is — and sets up a backend, either on
   * import or in `export async function setup({ threads, index })`, which
   * gets this worker's share of the cores.
   */
  module: string | URL;
  /** The export that makes a trainer. Default `'makeTrainer'`. */
  exportName?: string;
  /** Threads per worker for the backend (`setup`'s `threads`). Default: cores / workers, at least 1. */
  threadsPerWorker?: number;
}

const optionsSchema = z
  .object({
    workers: schemas.positiveInt.optional(),
    module: z.union([z.string().min(1), z.instanceof(URL)], { message: 'must be a module path or a file: URL' }),
    exportName: z.string().min(1, { message: 'must be an export name' }).optional(),
    threadsPerWorker: schemas.positiveInt.optional(),
  })
  .strict();

// The worker entry runs as TypeScript source in this repo's tests (tsx
// loads it); a published build runs its compiled .js.
const fromSource = import.meta.url.endsWith('.ts');
const workerUrl = new URL(fromSource ? './source-worker.mjs' : './member-worker.js', import.meta.url);
const sourceExecArgv = ['--conditions=@tikhonov/source'];

/**
 * Trains ensemble members in parallel on worker threads (one backend per
 * thread, the cores split between them). Each member's numbers are those of
 * training it alone in this thread on the same backend: its seed fixes its
 * initialisation, batch order and randomness, and nothing is shared.
 */
export function workerThreads(options: WorkerThreadsOptions): MemberRunner {
  const o = validateOptions('workerThreads', optionsSchema, options);
  const module = o.module instanceof URL ? o.module.href : /^[a-z]+:/i.test(o.module) ? o.module : pathToFileURL(o.module).href;
  const workers = o.workers ?? availableParallelism();
  const threads = o.threadsPerWorker ?? Math.max(1, Math.floor(availableParallelism() / workers));
  const exportName = o.exportName ?? 'makeTrainer';
  return {
    async run(jobs: readonly MemberJob[], data, fit): Promise<CheckpointData[]> {
      const wireData = datasetToWire(data);
      const wireFit = fitToWire(fit);
      const results: CheckpointData[] = new Array(jobs.length);
      let next = 0;
      const running = new Set<Worker>();
      const one = (job: MemberJob) =>
        new Promise<void>((resolve, reject) => {
          const workerData: MemberWorkerData = { module, exportName, threads, index: job.index, seed: job.seed, sample: job.sample, data: wireData, fit: wireFit };
          const worker = new Worker(workerUrl, { workerData, ...(fromSource ? { execArgv: sourceExecArgv } : {}) });
          running.add(worker);
          let done = false;
          worker.once('message', (checkpoint: CheckpointData) => {
            done = true;
            results[jobs.indexOf(job)] = checkpoint;
          });
          worker.once('error', (error) => reject(new Error(`member ${job.index} failed in its worker thread: ${error.message}`, { cause: error })));
          worker.once('exit', (code) => {
            running.delete(worker);
            if (done) resolve();
            else reject(new Error(`member ${job.index}'s worker thread exited (code ${code}) without a result`));
          });
        });
      const lane = async () => {
        while (next < jobs.length) await one(jobs[next++]!);
      };
      try {
        await Promise.all(Array.from({ length: Math.min(workers, jobs.length) }, lane));
      } catch (error) {
        await Promise.all([...running].map((w) => w.terminate()));
        throw error;
      }
      return results;
    },
  };
}
