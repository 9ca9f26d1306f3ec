// Benchmark (not a test): trials per minute of one grid search on digits
// (8 trials, MLP 64-256-256-10, 12 epochs each) with 1 and 2 local worker
// threads and with 2 tikhonov-worker processes through BullMQ on a local
// redis-server; interleaved rounds, each round a new search seed (so the queue
// holds no finished results), after a warm-up of each runner. One local worker
// runs with 1 and with all cores for its backend; the faster counts.
// Target: 2 workers ≥ 1.7× the trials per minute of 1. The queue's overhead per
// trial is (BullMQ time − local time) / trials, both with 2 workers.
import { availableParallelism } from 'node:os';
import { bullmq, choice, grid, local, LocalRedis, redisServerMissing, search, startWorkerProcess, stopProcess, type Runner, type SearchOptions } from '@tikhonov/sweep';


const rounds = Number(process.env.TIKHONOV_BENCH_ROUNDS ?? 2);
const cores = availableParallelism();
const base: Omit<SearchOptions, 'seed' | 'runner'> = {
  space: { alpha: choice([0, 1e-4, 1e-3, 1e-2]), rate: choice([0, 0.3]) },
  module: new URL('./digits-trial.ts', import.meta.url),
  data: { name: 'digits' },
  epochs: 12,
  fit: { batchSize: 32 },
  strategy: grid(),
};
const trials = 8;
/** Mean seconds of one trial, per runner: a trial's own time alone (1 worker) against beside another (2). */
const trialSeconds: Record<string, number[]> = {};
const timed = async (runner: Runner, seed: number, name?: string) => {
  const t0 = performance.now();
  const result = await search({ ...base, seed, runner });
  if (name) (trialSeconds[name] ??= []).push(result.table.reduce((s, t) => s + t.seconds, 0) / result.table.length);
  return (performance.now() - t0) / 1000;
};

/**
 * The machine's own ceiling for work like a trial's: two threads that each allocate and touch fresh 32 KB arrays
 * (as tfjs does for every op's output), timed alone and side by side. Returns (time side by side) / (time alone).
 */
async function allocationContention(): Promise<number> {
  const { Worker } = await import('node:worker_threads');
  const code = `const { parentPort } = require('node:worker_threads'); parentPort.on('message', () => { const t0 = performance.now(); let s = 0; for (let i = 0; i < 100000; i++) { const a = new Float32Array(8192); for (let j = 0; j < a.length; j += 64) a[j] = j; s += a[64]; } parentPort.postMessage(performance.now() - t0 + (s < 0 ? 1 : 0)); });`;
  const threads = [0, 1].map(() => new Worker(code, { eval: true }));
  const run = (w: InstanceType<typeof Worker>) => new Promise<number>((resolve) => { w.once('message', resolve); w.postMessage(0); });
  await run(threads[0]!); // warm-up
  const alone: number[] = [];
  const beside: number[] = [];
  for (let r = 0; r < 3; r++) {
    alone.push(await run(threads[0]!));
    beside.push(...(await Promise.all(threads.map(run))));
  }
  await Promise.all(threads.map((w) => w.terminate()));
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
  return median(beside) / median(alone);
}

const missing = redisServerMissing();
const redis = missing ? undefined : await LocalRedis.start();
const workers = redis ? await Promise.all([1, 2].map(() => startWorkerProcess(redis.url, { queue: 'bench' }))) : [];
const runners: Record<string, Runner> = {
  'local, 1 worker (1 thread)': local({ workers: 1, threadsPerWorker: 1 }),
  [`local, 1 worker (${cores} threads)`]: local({ workers: 1, threadsPerWorker: cores }),
  'local, 2 workers': local({ workers: 2, threadsPerWorker: 1 }),
  ...(redis ? { 'bullmq, 2 worker processes': bullmq({ connection: redis.url, queue: 'bench' }) } : {}),
};
const seconds: Record<string, number[]> = Object.fromEntries(Object.keys(runners).map((k) => [k, []]));
for (const runner of Object.values(runners)) await timed(runner, 1000); // warm-up: threads, modules, data
for (let r = 0; r < rounds; r++) for (const [name, runner] of Object.entries(runners)) seconds[name]!.push(await timed(runner, r, name));
for (const runner of Object.values(runners)) await runner.close();
await Promise.all(workers.map((w) => stopProcess(w)));
await redis?.stop();

const perMinute = (s: number) => (60 * trials) / s;
const span = (xs: number[]) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;
console.log(`sweep bench: ${trials} trials × ${base.epochs} epochs on digits, ${rounds} rounds, ${cores} cores`);
for (const [name, xs] of Object.entries(seconds)) console.log(`  ${name.padEnd(30)} ${span(xs.map(perMinute))} trials/min  (${span(xs)} s per search)`);
const one = Object.entries(seconds).filter(([k]) => k.startsWith('local, 1')).map(([, xs]) => xs);
// per round: the faster single-worker configuration
const single = one[0]!.map((x, i) => Math.min(x, one[1]![i]!));
const ratios = (xs: number[]) => xs.map((x, i) => single[i]! / x);
const localRatios = ratios(seconds['local, 2 workers']!);
console.log(`  speed-up, 2 local workers over 1: ${span(localRatios)}× — target ≥ 1.7×: ${Math.min(...localRatios) >= 1.7 ? 'met' : 'not met'}`);
if (redis) {
  const queued = seconds['bullmq, 2 worker processes']!;
  const queueRatios = ratios(queued);
  console.log(`  speed-up, 2 BullMQ workers over 1 local: ${span(queueRatios)}× — target ≥ 1.7×: ${Math.min(...queueRatios) >= 1.7 ? 'met' : 'not met'}`);
  const overhead = queued.map((q, i) => ((q - seconds['local, 2 workers']![i]!) / trials) * 1000);
  console.log(`  queue overhead per trial (BullMQ − local, 2 workers each): ${overhead.map((o) => o.toFixed(0)).join(', ')} ms`);
} else console.log(`  BullMQ runs skipped: ${missing}`);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const alone = mean(trialSeconds['local, 1 worker (1 thread)']!);
const beside = mean(trialSeconds['local, 2 workers']!);
console.log(`  one trial: ${alone.toFixed(3)} s alone (1 worker, 1 thread), ${beside.toFixed(3)} s beside another (2 workers): ${(beside / alone).toFixed(2)}× slower`);
console.log(`  this machine, two threads allocating fresh 32 KB arrays side by side: each ${(await allocationContention()).toFixed(2)}× slower than alone`);
