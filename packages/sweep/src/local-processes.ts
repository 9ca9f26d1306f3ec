// Processes for a sweep on one machine: a redis-server of our own on
// 127.0.0.1 and a free port (its data in a temporary directory, append-only
// with fsync always so a restart keeps the sweep's state), and tikhonov-worker
// processes. Used by examples/sweep/distributed and the distributed tests; a
// real deployment runs its own Redis and starts `tikhonov-worker` on each machine.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Why redis-server cannot run here, or undefined if it can. */
export function redisServerMissing(): string | undefined {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return r.error ? `redis-server is not installed (${r.error.message}); install it with 'sudo apt-get install redis-server'` : undefined;
}

/** A free TCP port on 127.0.0.1 (the OS picks it; released just before use). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

const waitFor = (child: ChildProcess, pattern: RegExp, what: string, ms = 20_000) =>
  new Promise<void>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start in ${ms} ms:\n${text}`)), ms);
    const on = (chunk: Buffer) => {
      text += chunk.toString();
      if (pattern.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (code ${code}) before it was ready:\n${text}`));
    });
  });

/**
 * A redis-server of our own on 127.0.0.1 (Debian: `apt-get install redis-server`), for trying a distributed sweep
 * on one machine. `stop()` ends it and removes the data directory it made (and nothing else).
 */
export class LocalRedis {
  private child?: ChildProcess;
  readonly dir = mkdtempSync(join(tmpdir(), 'tikhonov-redis-'));
  private constructor(readonly port: number) {}
  /** `redis://127.0.0.1:<port>`, for `bullmq({ connection })` and `tikhonov-worker --redis`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
  /** Starts one on a free port. */
  static async start(): Promise<LocalRedis> {
    const missing = redisServerMissing();
    if (missing) throw new Error(missing);
    const server = new LocalRedis(await freePort());
    await server.restart();
    return server;
  }
  /** Starts (again) on the same port and data directory. */
  async restart(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    await waitFor(child, /Ready to accept connections/, `redis-server on port ${this.port}`);
  }
  /** Kills it at once (SIGKILL): what a crash or a lost machine looks like to clients. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
  /** Ends it and removes its data directory. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// run from the TypeScript source (this file is .ts: the repository's examples and tests) or from the built package
const fromSource = import.meta.url.endsWith('.ts');
const workerBin = fileURLToPath(new URL(fromSource ? './worker-bin.ts' : './worker-bin.js', import.meta.url));

/** Options of {@link startWorkerProcess}. */
export interface WorkerProcessOptions {
  /** BullMQ queue name (default the worker's: 'tikhonov-sweep'). */
  queue?: string;
  /** Trials this worker runs at once, each on its own thread (default 1). */
  threads?: number;
  /** More `tikhonov-worker` arguments (e.g. `['--max-stalled', '1']`). */
  args?: readonly string[];
}

/** A `tikhonov-worker` process on this machine, resolved once it waits for trials. */
export async function startWorkerProcess(url: string, options: WorkerProcessOptions = {}): Promise<ChildProcess> {
  const node = fromSource ? ['--conditions=@tikhonov/source', '--import', 'tsx'] : [];
  const queue = options.queue ? ['--queue', options.queue] : [];
  const child = spawn(process.execPath, [...node, workerBin, '--redis', url, ...queue, '--threads', String(options.threads ?? 1), ...(options.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitFor(child, /waiting for trials/, 'tikhonov-worker');
  return child;
}

/** Ends a worker process and waits for it. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}
