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
const timed = async (runner: Runner, seed: number) => {
  const t0 = performance.now();
  await search({ ...base, seed, runner });
  return (performance.now() - t0) / 1000;
};

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
for (let r = 0; r < rounds; r++) for (const [name, runner] of Object.entries(runners)) seconds[name]!.push(await timed(runner, r));
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
