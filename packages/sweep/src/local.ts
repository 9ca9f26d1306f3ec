import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { schemas, validateOptions, z } from '@tikhonov/core';
import type { Runner } from './runner.js';
import type { ThreadReply, ThreadWorkerData } from './thread-worker.js';
import type { Trial, TrialResult } from './trial.js';

/** Options of {@link local}. */
export interface LocalOptions {
  /** Trials running at once, one worker thread each. Default: the machine's cores. */
  workers?: number;
  /** Threads of each worker's backend (the module's `setup({ threads })`). Default: cores / workers, at least 1. */
  threadsPerWorker?: number;
}

const optionsSchema = z.object({ workers: schemas.positiveInt.optional(), threadsPerWorker: schemas.positiveInt.optional() }).strict();

// From TypeScript source (tests, examples) the thread registers tsx first; a build runs its .js.
const fromSource = import.meta.url.endsWith('.ts');
const entry = new URL(fromSource ? './source-worker.mjs' : './thread-worker.js', import.meta.url);

interface Lane {
  worker: Worker;
  current?: { trial: Trial; resolve: (r: TrialResult) => void; reject: (e: Error) => void };
}

/**
 * Runs trials on worker threads of this process, one backend per thread and
 * the cores split between them. Threads start on the first trial and stay
 * (the module and data load once per thread); `close()` ends them. A trial's
 * result equals running it alone ({@link inline}) on the same backend.
 */
export function local(options: LocalOptions = {}): Runner {
  const o = validateOptions('local', optionsSchema, options);
  const workers = o.workers ?? availableParallelism();
  const threads = o.threadsPerWorker ?? Math.max(1, Math.floor(availableParallelism() / workers));
  const lanes: Lane[] = [];
  const idle: Lane[] = [];
  const queue: { trial: Trial; resolve: (r: TrialResult) => void; reject: (e: Error) => void }[] = [];
  let closed = false;

  const startLane = (): Lane => {
    const workerData: ThreadWorkerData = { threads };
    const lane: Lane = { worker: new Worker(entry, { workerData, ...(fromSource ? { execArgv: ['--conditions=@tikhonov/source'] } : {}) }) };
    lane.worker.on('message', (reply: ThreadReply) => {
      const job = lane.current!;
      lane.current = undefined;
      if ('error' in reply) job.reject(Object.assign(new Error(`trial ${job.trial.id} (config ${job.trial.config}) failed: ${reply.error.message}`), { name: reply.error.name }));
      else job.resolve(reply.result as TrialResult);
      release(lane);
    });
    const fail = (why: string) => {
      lanes.splice(lanes.indexOf(lane), 1);
      const i = idle.indexOf(lane);
      if (i >= 0) idle.splice(i, 1);
      lane.current?.reject(new Error(`trial ${lane.current.trial.id} (config ${lane.current.trial.config}): its worker thread ${why}`));
      lane.current = undefined;
    };
    lane.worker.on('error', (error) => fail(`failed: ${error.message}`));
    lane.worker.on('exit', (code) => {
      if (!closed) fail(`exited (code ${code})`);
    });
    lanes.push(lane);
    return lane;
  };
  const release = (lane: Lane) => {
    const next = queue.shift();
    if (next) dispatch(lane, next);
    else idle.push(lane);
  };
  const dispatch = (lane: Lane, job: NonNullable<Lane['current']>) => {
    lane.current = job;
    lane.worker.postMessage(job.trial);
  };

  return {
    capacity: workers,
    name: 'local',
    run(trial) {
      if (closed) return Promise.reject(new Error('local runner: run() after close()'));
      return new Promise<TrialResult>((resolve, reject) => {
        const job = { trial, resolve, reject };
        const lane = idle.pop() ?? (lanes.length < workers ? startLane() : undefined);
        if (lane) dispatch(lane, job);
        else queue.push(job);
      });
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.reject(new Error('local runner closed before the trial started'));
      await Promise.all(lanes.map((l) => l.worker.terminate()));
      lanes.length = 0;
      idle.length = 0;
    },
  };
}
