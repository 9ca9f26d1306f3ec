import { availableParallelism } from 'node:os';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { schemas, validateOptions, z } from '@tikhonov/core';
import { moduleUrl } from './code-version.js';
import { ModuleHost } from './runner.js';
import { workerTag } from './run-trial.js';
import { redisOptions, type RedisConnection } from './redis-connection.js';
import type { Trial, TrialResult } from './trial.js';
import { redisCheckpoints } from './trial-checkpoints.js';

/** Options of {@link startWorker} (and the `tikhonov-worker` command's flags). */
export interface QueueWorkerOptions {
  connection: RedisConnection;
  /** Default `'tikhonov-sweep'`. */
  queue?: string;
  /** This machine's path to the trial module, when it differs from the driver's; its code version must still match. */
  module?: string;
  /** Backend threads (the module's `setup({ threads })`). Default: the machine's cores. */
  threads?: number;
  /** A job not renewed for this long (ms) counts as stalled: its worker died. Default 30 000 (BullMQ's). */
  lockDuration?: number;
  /** How often (ms) this worker looks for stalled jobs to take over. Default 30 000 (BullMQ's). */
  stalledInterval?: number;
  /** Times a job may stall (its worker die) and be retried before it fails. Default 2. */
  maxStalledCount?: number;
  /**
   * Seconds of training between a trial's checkpoints in Redis (at epoch
   * ends; 0: every epoch), from which another worker resumes the trial if
   * this one dies; `false` stores none. Default 60.
   */
  checkpointSeconds?: number | false;
}

const optionsSchema = z
  .object({
    connection: z.union([z.string(), z.object({}).passthrough()]),
    queue: z.string().min(1).optional(),
    module: z.string().min(1).optional(),
    threads: schemas.positiveInt.optional(),
    lockDuration: schemas.positiveInt.optional(),
    stalledInterval: schemas.positiveInt.optional(),
    maxStalledCount: z.number().int().nonnegative().optional(),
    checkpointSeconds: z.union([z.number().nonnegative({ message: 'must be a number of seconds ≥ 0 or false' }).finite(), z.literal(false)], { message: 'must be a number of seconds ≥ 0 or false' }).optional(),
  })
  .strict();

/** A running queue worker. */
export interface QueueWorker {
  /** Stops taking trials, waits for the running one, and disconnects. */
  close(): Promise<void>;
}

/**
 * Takes trials from a sweep's BullMQ queue, one at a time, and runs them
 * here: the trial module is imported once (its `setup` picks the backend),
 * each trial's code version is checked against it, and the result is the
 * job's return value. This is what `tikhonov-worker` runs.
 */
export async function startWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const o = validateOptions('tikhonov-worker', optionsSchema, options);
  const redis = redisOptions(o.connection as RedisConnection, 'tikhonov-worker');
  const host = new ModuleHost(o.threads ?? availableParallelism(), workerTag('bullmq'), o.module ? moduleUrl(o.module) : undefined);
  const queue = o.queue ?? 'tikhonov-sweep';
  const everySeconds = o.checkpointSeconds ?? 60;
  // checkpoints go through a client of their own: BullMQ's worker connection blocks while it waits for jobs
  const client = everySeconds === false ? undefined : new Redis(redis);
  client?.on('error', (error) => console.error(`tikhonov-worker: checkpoint connection: ${error.message}`));
  const checkpoints = client && everySeconds !== false ? { store: redisCheckpoints(client, queue), everySeconds } : undefined;
  // each stored checkpoint is also the job's progress, so a driver (or QueueEvents) sees how far a trial got
  const run = (job: Job<Trial, TrialResult>) => host.run(job.data, checkpoints && { ...checkpoints, onSaved: (at) => job.updateProgress({ checkpoint: at }) });
  const worker = new Worker<Trial, TrialResult>(queue, run, {
    connection: redis,
    concurrency: 1,
    ...(o.lockDuration !== undefined ? { lockDuration: o.lockDuration } : {}),
    ...(o.stalledInterval !== undefined ? { stalledInterval: o.stalledInterval } : {}),
    maxStalledCount: o.maxStalledCount ?? 2,
  });
  // without a listener an 'error' event would end the process; BullMQ reconnects by itself
  worker.on('error', (error) => console.error(`tikhonov-worker: ${error.message}`));
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      host.dispose();
      await client?.quit().catch(() => client.disconnect());
    },
  };
}
