// Sweeps through BullMQ against a real redis-server and real tikhonov-worker
// processes, all started here on 127.0.0.1.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullmq, choice, grid, inline, members, startWorker, RedisUnavailableError, search, SweepCancelledError, type SearchOptions, type SearchResult, type TrialResult } from '@tikhonov/sweep';
import { dataset, type Trainer } from '@tikhonov/core';
import { loadDigits, trainValidationTest } from '@tikhonov/datasets';
import { bagging } from '@tikhonov/ensembles';
import { makeTrainer as makeMember, setup as setupMember } from './fixtures/digits-member.js';
import { checkpointKey, LocalRedis, redisServerMissing, startWorkerProcess, stopProcess } from '@tikhonov/sweep';

const module = new URL('./fixtures/digits-trial.ts', import.meta.url);
const base: SearchOptions = { space: { alpha: choice([0, 1e-3]), rate: choice([0, 0.3]) }, module, data: { name: 'digits' }, epochs: 4, fit: { batchSize: 64 }, strategy: grid(), seed: 1 };
const numbers = (r: TrialResult) => ({ ...r, seconds: 0, worker: '' });
const missing = redisServerMissing();
if (missing) console.warn(`distributed sweep tests skipped: ${missing}`);

describe.skipIf(missing !== undefined)('sweeps through BullMQ on a real redis-server', () => {
  let redis: LocalRedis;
  let reference: SearchResult;
  const workers: ChildProcess[] = [];
  let queueNumber = 0;
  const freshQueue = () => `sweep-test-${++queueNumber}`;

  beforeAll(async () => {
    redis = await LocalRedis.start();
    const runner = inline();
    reference = await search({ ...base, runner });
    await runner.close();
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => stopProcess(w, 'SIGKILL')));
    await redis?.stop();
  });
  const worker = async (queue: string, extra: string[] = []) => {
    const w = await startWorkerProcess(redis.url, { queue, args: extra });
    workers.push(w);
    return w;
  };

  it('two worker processes give the same result table (and best configuration of α and dropout rate) as running each trial locally', async () => {
    const queue = freshQueue();
    const procs = await Promise.all([worker(queue), worker(queue)]);
    const runner = bullmq({ connection: redis.url, queue });
    const result = await search({ ...base, runner });
    await runner.close();
    expect(result.table.map(numbers)).toEqual(reference.table.map(numbers));
    expect(result.best?.params).toEqual(reference.best?.params);
    expect(new Set(result.table.map((r) => r.worker.split('/')[1]))).toEqual(new Set(procs.map((p) => String(p.pid))));
    await Promise.all(procs.map((p) => stopProcess(p)));
  });

  it('a worker killed mid-trial (SIGKILL): its stalled trial runs again on another worker, every trial completes exactly once', async () => {
    const queue = freshQueue();
    const stall = ['--lock-duration', '1500', '--stalled-interval', '500'];
    const doomed = await worker(queue, stall);
    const events = new QueueEvents(queue, { connection: { host: '127.0.0.1', port: redis.port } });
    await events.waitUntilReady();
    const firstActive = new Promise<string>((resolve) => events.once('active', ({ jobId }) => resolve(jobId)));
    const runner = bullmq({ connection: redis.url, queue });
    const running = search({ ...base, runner });
    const killedJob = await firstActive;
    await stopProcess(doomed, 'SIGKILL');
    const survivor = await worker(queue, stall);
    const result = await running;
    await runner.close();
    expect(result.table.map(numbers)).toEqual(reference.table.map(numbers));
    expect(new Set(result.table.map((r) => r.config)).size).toBe(4);
    for (const r of result.table) expect(r.worker.split('/')[1]).toBe(String(survivor.pid));
    // Redis holds one job per trial, each completed once; the killed one was started twice
    const q = new Queue(queue, { connection: { host: '127.0.0.1', port: redis.port } });
    expect(await q.getJobCounts('completed', 'failed', 'waiting', 'active')).toEqual({ completed: 4, failed: 0, waiting: 0, active: 0 });
    expect((await q.getJob(killedJob))!.attemptsStarted).toBeGreaterThanOrEqual(2);
    await q.close();
    await events.close();
    await stopProcess(survivor);
  });

  it('a worker killed after storing a checkpoint: the next worker resumes the trial there, with an uninterrupted run’s numbers, and removes the checkpoint', async () => {
    const queue = freshQueue();
    // one configuration, its epochs slowed by a sleep so that the kill lands between two checkpoints
    const options: SearchOptions = { ...base, space: { alpha: choice([1e-3]), rate: choice([0.3]) }, epochs: 12, exportName: 'slowEpochs' };
    const alone = inline();
    const uninterrupted = await search({ ...options, runner: alone });
    await alone.close();
    const flags = ['--lock-duration', '1500', '--stalled-interval', '500', '--checkpoint-seconds', '0'];
    const doomed = await worker(queue, flags);
    const connection = { host: '127.0.0.1', port: redis.port };
    const events = new QueueEvents(queue, { connection });
    await events.waitUntilReady();
    const firstCheckpoint = new Promise<{ jobId: string; at: { epoch: number; step: number } }>((resolve) =>
      events.once('progress', ({ jobId, data }) => resolve({ jobId, at: (data as { checkpoint: { epoch: number; step: number } }).checkpoint })),
    );
    const runner = bullmq({ connection: redis.url, queue });
    const running = search({ ...options, runner });
    const { jobId, at } = await firstCheckpoint;
    await stopProcess(doomed, 'SIGKILL');
    const client = new Redis(connection);
    expect(await client.exists(checkpointKey(queue, jobId))).toBe(1);
    await worker(queue, flags);
    const result = await running;
    await runner.close();
    const [row] = result.table;
    expect(result.table).toHaveLength(1);
    // resumed at the first checkpoint or a later one, before the end
    expect(row!.resumedFrom!.epoch).toBeGreaterThanOrEqual(at.epoch);
    expect(row!.resumedFrom!.step).toBeLessThan(row!.steps);
    expect(row!.resumedFrom!.step).toBe((row!.resumedFrom!.epoch / at.epoch) * at.step);
    expect({ ...numbers(row!), resumedFrom: null }).toEqual(numbers(uninterrupted.table[0]!));
    expect(uninterrupted.table[0]!.resumedFrom).toBeNull();
    // the checkpoint is gone once the result is in, and the job was started twice
    expect(await client.exists(checkpointKey(queue, jobId))).toBe(0);
    const q = new Queue(queue, { connection });
    expect((await q.getJob(jobId))!.attemptsStarted).toBeGreaterThanOrEqual(2);
    await q.close();
    await events.close();
    await client.quit();
  });

  it('bagging members trained by two worker processes through the queue equal the members trained in sequence, bit for bit', async () => {
    await setupMember();
    const whole = loadDigits().data;
    const splits = trainValidationTest(whole, { validation: 0.2, test: 0.2, seed: 0, standardize: false });
    const options = { members: 2, makeTrainer: makeMember, data: splits.train, fit: { epochs: 2, batchSize: 64 }, seed: 11 };
    const sequence = await bagging(options);
    const queue = freshQueue();
    const procs = await Promise.all([worker(queue), worker(queue)]);
    const runner = bullmq({ connection: redis.url, queue });
    const queued = await bagging({ ...options, runner: members({ runner, module: new URL('./fixtures/digits-member.ts', import.meta.url), data: { name: 'digits' } }) });
    await runner.close();
    const paramsOf = (m: unknown) => Object.fromEntries((m as Trainer).model.params.map((p) => [p.name, Array.from(p.variable.dataSync())]));
    expect(queued.ensemble.members.map(paramsOf)).toEqual(sequence.ensemble.members.map(paramsOf));
    expect(queued.outOfBag).toEqual(sequence.outOfBag);
    sequence.ensemble.dispose();
    queued.ensemble.dispose();
    for (const p of [whole, splits.train, splits.validation, splits.test]) dataset.dispose(p);
    await Promise.all(procs.map((p) => stopProcess(p)));
  });

  it('a restarted driver picks the sweep up: finished trials come back from Redis and are not run again', async () => {
    const queue = freshQueue();
    const w = await worker(queue);
    const first = bullmq({ connection: redis.url, queue, inFlight: 1 });
    const seen: TrialResult[] = [];
    let stopDriver!: () => void;
    const twoDone = new Promise<void>((r) => (stopDriver = r));
    const crashed = search({ ...base, runner: first, onResult: (r) => seen.push(r) === 2 && stopDriver() }).catch((e: Error) => e);
    await twoDone;
    await first.close(); // the driver goes away with the sweep half done
    expect(await crashed).toBeInstanceOf(Error);
    const second = bullmq({ connection: redis.url, queue });
    const result = await search({ ...base, runner: second });
    await second.close();
    expect(result.table.map(numbers)).toEqual(reference.table.map(numbers));
    // the two finished before the restart are the very same results (same run time), not reruns
    for (const r of seen) expect(result.table.find((t) => t.id === r.id)).toEqual(r);
    const q = new Queue(queue, { connection: { host: '127.0.0.1', port: redis.port } });
    expect((await q.getJobCounts('completed')).completed).toBe(4);
    await q.close();
    await stopProcess(w);
  });

  it('a trial that failed runs again when the sweep is resumed: the second search completes the table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tikhonov-fail-once-'));
    process.env.TIKHONOV_FAIL_ONCE_DIR = dir; // the worker process inherits it
    try {
      const queue = freshQueue();
      const w = await worker(queue);
      const options = { ...base, exportName: 'failsOnce' };
      const first = bullmq({ connection: redis.url, queue });
      const failed = await search({ ...options, runner: first }).catch((e: Error) => e);
      await first.close();
      expect(failed).toBeInstanceOf(Error);
      expect((failed as Error).message).toMatch(/failed on the queue .*fails on purpose/);
      expect(existsSync(join(dir, 'failed-once'))).toBe(true);
      const q = new Queue(queue, { connection: { host: '127.0.0.1', port: redis.port } });
      const second = bullmq({ connection: redis.url, queue });
      const result = await search({ ...options, runner: second });
      await second.close();
      // the same numbers as the local reference (the ids differ: they hash the export's name)
      const strip = (r: TrialResult) => ({ params: r.params, value: r.value, bestEpoch: r.bestEpoch, steps: r.steps, epochs: r.epochs });
      expect(result.table.map(strip)).toEqual(reference.table.map(strip));
      expect(await q.getJobCounts('completed', 'failed')).toEqual({ completed: 4, failed: 0 });
      await q.close();
      await stopProcess(w);
    } finally {
      delete process.env.TIKHONOV_FAIL_ONCE_DIR;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Redis going away mid-sweep gives a clear error; once it is back the same search completes the table unchanged', async () => {
    const queue = freshQueue();
    const w = await worker(queue);
    const runner = bullmq({ connection: redis.url, queue, inFlight: 1, connectionTimeout: 1500 });
    let killRedis!: () => void;
    const oneDone = new Promise<void>((r) => (killRedis = r));
    const running = search({ ...base, runner, onResult: () => killRedis() }).catch((e: Error) => e);
    await oneDone;
    await redis.kill();
    const error = await running;
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as Error).message).toMatch(new RegExp(`lost Redis at 127\\.0\\.0\\.1:${redis.port} for 1500 ms.*run the same search again`));
    await runner.close();
    await redis.restart();
    const again = bullmq({ connection: redis.url, queue });
    const result = await search({ ...base, runner: again });
    await again.close();
    expect(result.table.map(numbers)).toEqual(reference.table.map(numbers));
    await stopProcess(w);
  });

  it('a cancelled sweep rejects with SweepCancelledError and takes its unstarted trials off the queue', async () => {
    const queue = freshQueue(); // no worker: every trial waits
    const runner = bullmq({ connection: redis.url, queue });
    const q = new Queue(queue, { connection: { host: '127.0.0.1', port: redis.port } });
    const running = search({ ...base, runner }).catch((e: Error) => e);
    while ((await q.getJobCounts('waiting')).waiting < 4) await new Promise((r) => setTimeout(r, 20));
    await runner.cancel();
    expect(await running).toBeInstanceOf(SweepCancelledError);
    expect(await q.getJobCounts('waiting', 'completed')).toEqual({ waiting: 0, completed: 0 });
    await q.close();
    await runner.close();
  });

  it('bad runner and worker options name the option', async () => {
    expect(() => bullmq({ connection: 'http://localhost:6379' })).toThrow(/connection.*redis:\/\//);
    expect(() => bullmq({ connection: { port: 70000 } })).toThrow(/connection\.port.*70000.*1–65535/);
    expect(() => bullmq({ connection: redis.url, queue: 'a b' })).toThrow(/queue.*letters, digits/);
    await expect(startWorker({ connection: redis.url, checkpointSeconds: -1 })).rejects.toThrow(/option 'checkpointSeconds' = -1 is not allowed; must be a number of seconds ≥ 0 or false/);
    await expect(startWorker({ connection: redis.url, checkpointSeconds: true as unknown as false })).rejects.toThrow(/checkpointSeconds/);
  });
});
