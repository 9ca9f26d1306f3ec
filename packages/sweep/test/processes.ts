// Real processes for the distributed tests: a redis-server on 127.0.0.1 and a
// random free port (its data in a temporary directory, append-only with
// fsync always so a restart keeps the sweep's state), and tikhonov-worker
// processes run from this package's TypeScript source.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Why redis-server cannot run here, or undefined if it can. */
export function redisMissing(): string | undefined {
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

/** A redis-server of the test's own. */
export class RedisServer {
  private child?: ChildProcess;
  readonly dir = mkdtempSync(join(tmpdir(), 'tikhonov-redis-'));
  private constructor(readonly port: number) {}
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
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
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const workerBin = fileURLToPath(new URL('../src/worker-bin.ts', import.meta.url));

/** A tikhonov-worker process. */
export async function startWorkerProcess(url: string, queue: string, extra: string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--conditions=@tikhonov/source', '--import', 'tsx', workerBin, '--redis', url, '--queue', queue, '--threads', '1', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
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
