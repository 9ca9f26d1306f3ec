// Signals during oneDNN's products: its JIT GEMM kernels point the stack
// pointer into the heap, so a signal handled mid-product corrupted the heap
// and a later free() aborted the process (src/addon/signals.h). Node's CPU
// profiler signals the JavaScript thread every `--cpu-prof-interval` µs: a
// child process runs products under it and must end normally, with the
// products right.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadAddon } from '@tikhonov/backend-native';
import { unavailable } from './available.js';

const dnnl = unavailable === undefined ? loadAddon().setDnnlGemm(true) : '';
const why = unavailable ?? (dnnl === '' ? 'the addon was built without oneDNN' : undefined);
if (why) console.warn(`the oneDNN-under-signals check is skipped: ${why}`);

/** 40 products of 128×784·784×256 (oneDNN's size) on `threads` threads; prints the largest error against float64 dot products of a few entries. */
const child = (addonPath: string, threads: number) => `
  const addon = require(${JSON.stringify(addonPath)});
  addon.setDnnlGemm(true);
  addon.setThreads(${threads});
  const [m, n, k] = [128, 256, 784];
  if (addon.gemmLibrary(m, n, k) !== 'onednn') throw new Error('the product did not go to oneDNN');
  const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i));
  const c = new Float32Array(m * n);
  let worst = 0;
  for (let r = 0; r < 40; r++) {
    addon.gemmBatched(a, b, c, 1, m, n, k, false, false, 0, 0);
    for (const [i, j] of [[0, 0], [m - 1, n - 1], [r, (7 * r) % n]]) {
      let dot = 0;
      for (let p = 0; p < k; p++) dot += a[i * k + p] * b[p * n + j];
      worst = Math.max(worst, Math.abs(c[i * n + j] - dot));
    }
    // heap traffic between the products: a corrupted heap shows itself on free
    for (let t = 0; t < 50; t++) new Float32Array(1000 + t);
  }
  console.log(JSON.stringify({ worst }));
`;

describe.skipIf(why !== undefined)('oneDNN products with signals arriving', () => {
  for (const threads of [1, 2]) {
    it(`end normally and right under node --cpu-prof sampling every 50 µs (${threads} thread${threads > 1 ? 's' : ''})`, () => {
      const addonPath = fileURLToPath(new URL('../build/Release/tikhonov_native.node', import.meta.url));
      // the profile goes to a directory of the test's own, removed afterwards
      const dir = mkdtempSync(join(tmpdir(), 'tikhonov-signals-'));
      try {
        const run = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-interval=50', `--cpu-prof-dir=${dir}`, '-e', child(addonPath, threads)], { encoding: 'utf8', timeout: 60_000 });
        expect({ status: run.status, signal: run.signal, stderr: run.stderr.trim() }).toEqual({ status: 0, signal: null, stderr: '' });
        const { worst } = JSON.parse(run.stdout) as { worst: number };
        // sums of 784 products of values in [-1, 1] in float32: far below 1e-3 when right
        expect(worst).toBeLessThan(1e-3);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);
  }
});
