// The same kind of search through BullMQ on Redis: the driver (this script)
// queues trials, tikhonov-worker processes run them. Give a server and
// workers of your own with TIKHONOV_REDIS_URL=redis://host:port (start
// `npx tikhonov-worker --redis <url>` on each machine); with none given, this
// starts redis-server (Debian: apt-get install redis-server) on a free local
// port and two workers itself, and stops them at the end.
import type { ChildProcess } from 'node:child_process';
import { bullmq, choice, grid, LocalRedis, search, startWorkerProcess, stopProcess } from '@tikhonov/sweep';
import { printTable } from '../shared.js';

let url = process.env.TIKHONOV_REDIS_URL;
let redis: LocalRedis | undefined;
const workers: ChildProcess[] = [];
if (!url) {
  redis = await LocalRedis.start(); // throws, saying what to install, where there is no redis-server
  url = redis.url;
  workers.push(...(await Promise.all([1, 2].map(() => startWorkerProcess(url!)))));
  console.log(`started redis-server at ${url} and two tikhonov-worker processes`);
}

const runner = bullmq({ connection: url });
try {
  const result = await search({
    space: { alpha: choice([0, 1e-4, 1e-3]), rate: choice([0, 0.3]) },
    module: new URL('./trials/digits.ts', import.meta.url),
    data: { name: 'digits' },
    objective: { metric: 'val.accuracy', mode: 'max' },
    epochs: 30,
    fit: { batchSize: 64 },
    strategy: grid(),
    seed: 1,
    runner,
  });
  printTable(['config', 'options', 'best epoch', 'val.accuracy', 'seconds', 'worker'], result.table.map((t) => [String(t.config), JSON.stringify(t.params), String(t.bestEpoch), t.value ?? Number.NaN, t.seconds.toFixed(2), t.worker]));
  console.log(`best: ${JSON.stringify(result.best?.params)} (run again: the results come back from Redis without training)`);
} finally {
  await runner.close();
  await Promise.all(workers.map((w) => stopProcess(w)));
  await redis?.stop();
}
