import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { schemas, validateOptions, z } from '@tikhonov/core';
import type { Runner } from './runner.js';
import { describeRedis, redisOptions, type RedisConnection } from './redis-connection.js';
import type { Trial, TrialResult } from './trial.js';

/** Options of {@link bullmq}. */
export interface BullmqOptions {
  /** The Redis server the workers also reach. */
  connection: RedisConnection;
  /** Queue name (workers are started on the same name). Default `'tikhonov-sweep'`. */
  queue?: string;
  /** Trials queued at once: bounds how far ahead asynchronous strategies commit. Default 64. */
  inFlight?: number;
  /** Give up (every waiting trial rejects) after Redis has been unreachable this long, in ms. Default 10 000. */
  connectionTimeout?: number;
}

/** A sweep that could not finish because Redis went away; its state is still in Redis. */
export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}
/** A trial that was cancelled before it ran. */
export class SweepCancelledError extends Error {
  override name = 'SweepCancelledError';
}

const optionsSchema = z
  .object({
    connection: z.union([z.string(), z.object({ host: z.string().optional(), port: z.number().optional(), password: z.string().optional(), db: z.number().int().optional() }).strict()]),
    queue: z.string().regex(/^[A-Za-z0-9_.-]+$/, { message: 'must be letters, digits, _ . or -' }).optional(),
    inFlight: schemas.positiveInt.optional(),
    connectionTimeout: schemas.positiveInt.optional(),
  })
  .strict();

/** A runner on a BullMQ queue, with `cancel()` for the trials it queued. */
export interface BullmqRunner extends Runner {
  /** Removes this driver's trials that no worker has started and rejects their runs with {@link SweepCancelledError}. */
  cancel(): Promise<void>;
}

/**
 * Runs trials as BullMQ jobs on a Redis server: `tikhonov-worker` processes
 * (on this machine or any that reaches Redis) take them, and results come
 * back through the queue. A job's id is its trial's id (a hash of the whole
 * description), so the sweep's state lives in Redis: a driver restarted with
 * the same search picks up finished results and waits for running ones
 * instead of queuing them again, and a job is never counted twice. A worker
 * killed mid-trial leaves a stalled job that BullMQ gives to another worker.
 */
export function bullmq(options: BullmqOptions): BullmqRunner {
  const o = validateOptions('bullmq', optionsSchema, options);
  const redis = redisOptions(o.connection, 'bullmq');
  const name = o.queue ?? 'tikhonov-sweep';
  const timeout = o.connectionTimeout ?? 10_000;
  // one shared client for the queue (watched for outages); QueueEvents needs its own blocking one
  const client = new Redis(redis);
  const queue = new Queue(name, { connection: client });
  const events = new QueueEvents(name, { connection: redis });
  // trials waiting for their job, by job id (= trial id); settled by the queue's events or by the state found in Redis
  const pending = new Map<string, { resolve: (r: TrialResult) => void; reject: (e: Error) => void }>();
  let lost: RedisUnavailableError | undefined;
  let closing = false;
  let outage: NodeJS.Timeout | undefined;
  let lastError = '';
  const settle = (id: string, outcome: { result: TrialResult } | { error: Error }) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    if ('result' in outcome) p.resolve(outcome.result);
    else p.reject(outcome.error);
  };
  const failAll = (error: Error) => {
    for (const id of [...pending.keys()]) settle(id, { error });
  };
  const onDown = (error?: Error) => {
    if (error) lastError = error.message;
    if (closing) return;
    outage ??= setTimeout(() => {
      lost = new RedisUnavailableError(
        `lost Redis at ${describeRedis(redis)} for ${timeout} ms${lastError ? ` (${lastError})` : ''}: the sweep's trials and finished results are kept in Redis — run the same search again once it is back to resume`,
      );
      failAll(lost);
    }, timeout);
  };
  client.on('error', onDown);
  client.on('close', () => onDown());
  client.on('ready', () => {
    clearTimeout(outage);
    outage = undefined;
  });
  queue.on('error', (e) => (lastError = e.message));
  events.on('error', (e) => (lastError = (e as Error).message));
  events.on('completed', ({ jobId, returnvalue }) => settle(jobId, { result: returnvalue as unknown as TrialResult }));
  events.on('failed', ({ jobId, failedReason }) => settle(jobId, { error: new Error(`trial ${jobId} failed on the queue '${name}': ${failedReason}`) }));
  const eventsReady = events.waitUntilReady();
  // trials on a queue nobody consumes wait forever: say so once, naming the command that serves it
  let checkedWorkers = false;
  const warnIfNoWorkers = async () => {
    if (checkedWorkers) return;
    checkedWorkers = true;
    if ((await queue.getWorkersCount()) === 0) console.warn(`bullmq runner: no tikhonov-worker is connected to queue '${name}' at ${describeRedis(redis)}; the trials wait until one starts (tikhonov-worker --redis redis://${describeRedis(redis)} --queue ${name})`);
  };

  return {
    capacity: o.inFlight ?? 64,
    name: 'bullmq',
    run(trial: Trial): Promise<TrialResult> {
      if (lost) return Promise.reject(lost);
      if (closing) return Promise.reject(new Error('bullmq runner: run() after close()'));
      return new Promise<TrialResult>((resolve, reject) => {
        pending.set(trial.id, { resolve, reject });
        (async () => {
          // listening before looking, so a job that finishes in between is not missed
          await eventsReady;
          await warnIfNoWorkers();
          // an existing job with this id is this very trial: a restarted driver reuses its result, waits for it, or retries it if it had failed
          const existing = await queue.getJob(trial.id);
          const state = existing ? await existing.getState() : undefined;
          if (state === 'completed') settle(trial.id, { result: existing!.returnvalue as TrialResult });
          else if (state === 'failed') await existing!.retry('failed');
          else if (!existing) await queue.add('trial', trial, { jobId: trial.id, removeOnComplete: false, removeOnFail: false });
        })().catch((error: Error) => settle(trial.id, { error: lost ?? new Error(`trial ${trial.id} (config ${trial.config}) could not be queued on '${name}': ${error.message}`, { cause: error }) }));
      });
    },
    async cancel() {
      const cancelled = new SweepCancelledError('the sweep was cancelled before this trial ran');
      for (const id of [...pending.keys()]) {
        const job = await queue.getJob(id);
        // an active job is locked by its worker: it finishes, and its result stays in Redis
        if (job && !(await job.isActive())) await job.remove().catch(() => undefined);
        settle(id, { error: cancelled });
      }
    },
    async close() {
      closing = true;
      clearTimeout(outage);
      failAll(new Error('bullmq runner closed before the trial finished'));
      if (lost) {
        events.disconnect();
        client.disconnect();
        return;
      }
      await events.close();
      await queue.close();
      await client.quit().catch(() => client.disconnect());
    },
  };
}
