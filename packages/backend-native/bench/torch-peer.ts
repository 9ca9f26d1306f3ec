// PyTorch as a peer the benches time in turn with their own rounds: bench/torch-reference.py, started once
// (Debian's /usr/bin/python3 with python3-torch, OMP_WAIT_POLICY=PASSIVE, 2 threads), asked for one round at a time.
// One measurement of each side minutes apart let the VM's drift decide the verdict: PyTorch's MLP step measured
// 1.56 ms in one bench run and 1.98 in the next; rounds alternating between the two keep both in the same phase.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { medianOf, quartilesOf, spanOf } from './stats.js';

/** A running PyTorch peer. */
export interface TorchPeer {
  readonly version: string;
  readonly threads: number;
  readonly ompWaitPolicy: string;
  /** Per model, the zero_grad and foreach settings the peer measured fastest and kept (bench/torch_fastest.py). */
  readonly settings: Record<string, { chosen: string; 'calibration ms': Record<string, number> }>;
  /** Milliseconds per step of `steps` steps of the bench's MLP or CNN (warm: the process keeps its models). */
  ms(model: 'mlp' | 'cnn', steps: number): Promise<number>;
  close(): void;
}

const python = '/usr/bin/python3';

/** Starts the peer, or says why it cannot (no PyTorch for /usr/bin/python3) and returns undefined. */
export async function startTorchPeer(threads = 2): Promise<TorchPeer | undefined> {
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.log(`PyTorch reference: skipped (${probe.error?.message ?? probe.stderr.trim().split('\n').pop()}); apt-get install python3-torch to include it`);
    return undefined;
  }
  const script = fileURLToPath(new URL('./torch-reference.py', import.meta.url));
  const child: ChildProcessWithoutNullStreams = spawn(python, [script, String(threads)], { env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  const lines: Interface = createInterface({ input: child.stdout });
  const iterator = lines[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const { value, done } = await iterator.next();
    if (done) throw new Error(`torch-reference.py ended: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return JSON.parse(value as string) as Record<string, unknown>;
  };
  const hello = await next();
  return {
    version: String(hello.version),
    threads: Number(hello.threads),
    ompWaitPolicy: String(hello.ompWaitPolicy),
    settings: hello.settings as TorchPeer['settings'],
    async ms(model, steps) {
      child.stdin.write(`${model} ${steps}\n`);
      return Number((await next()).ms);
    },
    close() {
      lines.close();
      child.stdin.end();
      child.kill();
    },
  };
}

/**
 * `rounds` rounds, each one PyTorch round and one of ours, PyTorch first in even rounds and ours first in odd ones
 * (always PyTorch first gave it the cache and the clock as our rounds left them): both sides' ms per step, PyTorch/this
 * as the median of the rounds' own ratios (each pair measured back to back, so the VM's drift cancels within a
 * pair; the verdicts use it), and a line saying it with its quartiles, both sides' ranges and the ratio of the medians.
 */
export async function againstTorch(peer: TorchPeer, model: 'mlp' | 'cnn', steps: number, rounds: number, ours: () => Promise<number>): Promise<{ ours: number[]; torch: number[]; ratio: number; line: string }> {
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) b.push(await peer.ms(model, steps));
    a.push(await ours());
    if (r % 2 === 1) b.push(await peer.ms(model, steps));
  }
  const ratios = a.map((t, r) => b[r]! / t);
  const ratio = medianOf(ratios);
  const line = `Tikhonov ${spanOf(a)} ms (median ${medianOf(a).toFixed(2)}), PyTorch ${spanOf(b)} ms (median ${medianOf(b).toFixed(2)}); PyTorch/this ${ratio.toFixed(2)}× (median of the ${rounds} rounds' ratios, quartiles ${quartilesOf(ratios)}; ratio of the medians ${(medianOf(b) / medianOf(a)).toFixed(2)}; ${rounds} rounds of ${steps} steps, each side first in turn)`;
  return { ours: a, torch: b, ratio, line };
}
