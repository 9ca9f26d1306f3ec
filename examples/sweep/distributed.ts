// The same kind of search through BullMQ on Redis: the driver (this script)
// queues trials, tikhonov-worker processes run them. Give a server and
// workers of your own with TIKHONOV_REDIS_URL=redis://host:port (start
// `npx tikhonov-worker --redis <url>` on each machine); with none given, this
// starts redis-server (Debian: apt-get install redis-server) on a free local
// port and two workers itself, and stops them at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bullmq, choice, grid, search } from '@tikhonov/sweep';
import { printTable } from '../shared.js';

const children: ChildProcess[] = [];
const started = (child: ChildProcess, ready: RegExp) =>
  new Promise<void>((resolve, reject) => {
    children.push(child);
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b) && ready.test(out) && resolve());
    child.once('exit', (code) => reject(new Error(`${child.spawnfile} exited (code ${code}):\n${out}`)));
  });
const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
});

let url = process.env.TIKHONOV_REDIS_URL;
let dir: string | undefined;
if (!url) {
  const port = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'tikhonov-sweep-redis-'));
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''], { stdio: ['ignore', 'pipe', 'inherit'] });
  redis.once('error', (e) => {
    console.error(`cannot start redis-server (${e.message}): install it (sudo apt-get install redis-server) or set TIKHONOV_REDIS_URL`);
    process.exit(1);
  });
  await started(redis, /Ready to accept connections/);
  url = `redis://127.0.0.1:${port}`;
  // the package's worker command, run from its TypeScript source as the examples are
  const bin = fileURLToPath(new URL('./worker-bin.ts', import.meta.resolve('@tikhonov/sweep')));
  await Promise.all([1, 2].map(() => started(spawn(process.execPath, ['--conditions=@tikhonov/source', '--import', 'tsx', bin, '--redis', url!, '--threads', '1'], { stdio: ['ignore', 'pipe', 'inherit'] }), /waiting for trials/)));
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
  for (const c of children.reverse()) c.kill('SIGTERM');
  if (dir) setTimeout(() => rmSync(dir!, { recursive: true, force: true }), 500).unref();
}
