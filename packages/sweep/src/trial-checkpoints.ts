// A queue worker checkpoints its running trial into Redis so that, if the
// worker dies, the worker that takes the stalled job resumes the trial there
// instead of from its first step. Redis is the one place every worker can
// reach; core's checkpoints resume exactly, so a resumed trial's numbers are
// an uninterrupted run's.
import type { Redis } from 'ioredis';
import { API_VERSION, checkpointToBytes, Order, type Plugin } from '@tikhonov/core';

/** Where running trials' checkpoints are kept, by trial id. */
export interface CheckpointStore {
  load(trialId: string): Promise<Uint8Array | undefined>;
  save(trialId: string, bytes: Uint8Array): Promise<void>;
  remove(trialId: string): Promise<void>;
}

/** How a worker checkpoints its trials: where, and at most how often. */
export interface TrialCheckpointing {
  store: CheckpointStore;
  /** Seconds of training between checkpoints (at epoch ends); 0 checkpoints every epoch. */
  everySeconds: number;
  /** Told after each checkpoint is stored (the queue worker reports it as the job's progress). */
  onSaved?: (at: { epoch: number; step: number }) => Promise<void> | void;
}

/** A checkpoint left behind by a worker that died and was never resumed expires after this long. */
const EXPIRE_SECONDS = 7 * 24 * 3600;

/** The Redis key of a trial's checkpoint: beside the queue's own keys, in a namespace of ours. */
export const checkpointKey = (queue: string, trialId: string): string => `tikhonov-sweep:${queue}:checkpoint:${trialId}`;

/**
 * Checkpoints in Redis, one key per trial ({@link checkpointKey}), written
 * whole by one SET (a reader never sees half of one) and expiring a week
 * after its last write.
 */
export function redisCheckpoints(client: Redis, queue: string): CheckpointStore {
  return {
    async load(trialId) {
      const bytes = await client.getBuffer(checkpointKey(queue, trialId));
      return bytes ?? undefined;
    },
    async save(trialId, bytes) {
      await client.set(checkpointKey(queue, trialId), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'EX', EXPIRE_SECONDS);
    },
    async remove(trialId) {
      await client.del(checkpointKey(queue, trialId));
    },
  };
}

/**
 * The fit callback that stores a trial's checkpoint at epoch ends, once
 * `everySeconds` have passed since the last one. It skips the epoch where
 * the fit stops (early stopping asked, or the budget is spent): a resume from
 * there would train on past the stop.
 */
export function checkpointCallback(trialId: string, epochs: number, how: TrialCheckpointing): Plugin {
  let last = performance.now();
  return {
    name: 'sweepCheckpoint',
    apiVersion: API_VERSION,
    order: Order.checkpoint,
    async afterEpoch(ctx) {
      if (ctx.stopRequest || ctx.epoch >= epochs) return;
      if (performance.now() - last < how.everySeconds * 1000) return;
      await how.store.save(trialId, checkpointToBytes(await ctx.exportCheckpoint()));
      last = performance.now();
      await how.onSaved?.({ epoch: ctx.epoch, step: ctx.step });
    },
  };
}
