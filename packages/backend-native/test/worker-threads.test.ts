// The addon's library is shared by every worker_thread of a process: its
// scratch buffer is per thread and its pool runs one job at a time, so
// workers convolving at once get what one thread alone gets.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadAddon, type NativeAddon } from '@tikhonov/backend-native';
import { unavailable } from './available.js';

// im2col + SGEMM (a 72-value patch: not the direct path), two threads in the pool
const geometry = { batch: 8, inHeight: 12, inWidth: 12, inChannels: 8, outHeight: 10, outWidth: 10, outChannels: 16, filterHeight: 3, filterWidth: 3, strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1, padTop: 0, padLeft: 0 };

/** Sums of conv2d outputs over 30 calls, input i scaled by (seed + i): the same script runs in the workers. */
const body = (load: (path: string) => NativeAddon, addonPath: string, seed: number, g: typeof geometry): number[] => {
  const addon = load(addonPath);
  const x = new Float32Array(g.batch * g.inHeight * g.inWidth * g.inChannels);
  const w = Float32Array.from({ length: 9 * g.inChannels * g.outChannels }, (_, i) => Math.cos(i));
  const out = new Float32Array(g.batch * g.outHeight * g.outWidth * g.outChannels);
  const sums: number[] = [];
  for (let i = 0; i < 30; i++) {
    for (let j = 0; j < x.length; j++) x[j] = Math.sin(j * (seed + i));
    addon.conv2d(x, w, out, g);
    sums.push(out.reduce((a, b) => a + b, 0));
  }
  return sums;
};

describe.skipIf(unavailable !== undefined)('worker threads', () => {
  it('two workers convolving at once get what the main thread gets alone', async () => {
    const addonPath = fileURLToPath(new URL('../build/Release/tikhonov_native.node', import.meta.url));
    loadAddon().setThreads(2);
    const source = `const { parentPort, workerData } = require('node:worker_threads');
      parentPort.postMessage((${body.toString()})(require, workerData.addonPath, workerData.seed, workerData.geometry));`;
    const run = (seed: number) =>
      new Promise<number[]>((resolve, reject) => {
        const worker = new Worker(source, { eval: true, workerData: { addonPath, seed, geometry } });
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    const [a, b] = await Promise.all([run(0.1), run(0.2)]);
    const load = createRequire(import.meta.url) as (path: string) => NativeAddon;
    expect(a).toEqual(body(load, addonPath, 0.1, geometry));
    expect(b).toEqual(body(load, addonPath, 0.2, geometry));
    expect(a).not.toEqual(b);
  });
});
