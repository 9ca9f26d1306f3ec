// The column sums an update makes of the value it writes, for the max-norm
// projection that follows (src/column-sums.ts, addon WriteWithBlockSums).
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { FusedMomentumOptimizer, HostRandom, projectMaxNorm } from '@tikhonov/core';
import { loadAddon, NativeBackend, useNativeBackend } from '@tikhonov/backend-native';
import { BufferPool } from '../src/buffer-pool.js';
import { NORM_BLOCK_ROWS } from '../src/column-sums.js';
import { unavailable } from './available.js';

const blocksOf = (rows: number, cols: number) => new Float32Array(Math.ceil(rows / NORM_BLOCK_ROWS) * cols);

describe('the buffer pool forgets column sums whenever an array may change', () => {
  it('on release, reuse and read-out', () => {
    const pool = new BufferPool();
    const sums = { blocks: new Float32Array(4), cols: 4 };
    const a = pool.take(4096);
    pool.columnSums.note(a, sums);
    expect(pool.columnSums.of(a, 4)).toBe(sums.blocks);
    // the same array viewed with other columns: not these sums
    expect(pool.columnSums.of(a, 8)).toBeUndefined();
    pool.release(a);
    expect(pool.columnSums.of(a, 4)).toBeUndefined();
    // recycled: the next output of that length is the same array, without the sums
    pool.columnSums.note(a, sums);
    expect(pool.take(4096)).toBe(a);
    expect(pool.columnSums.of(a, 4)).toBeUndefined();
    pool.columnSums.note(a, sums);
    pool.escape(a);
    expect(pool.columnSums.of(a, 4)).toBeUndefined();
  });
});

describe.skipIf(unavailable !== undefined)('column sums made by the update kernels', () => {
  it('each update with blockSums writes the same values, sums within 1e-6 of float64, and max-norm from them gives the bits of its own pass (1 and 2 threads, rows off the block, columns scaled and kept)', () => {
    const addon = loadAddon();
    const r = new HostRandom(31);
    for (const threads of [1, 2]) {
      addon.setThreads(threads);
      // 130 rows: two whole blocks and a part; 784×512 is above the pool's threshold
      for (const [rows, cols] of [[130, 48], [784, 512], [3, 16]] as const) {
        const n = rows * cols;
        const make = (scale: number) => Float32Array.from({ length: n }, () => (r.uniform() - 0.5) * scale);
        const [value, gradient, m, v, acc] = [make(0.3), make(1), make(0.1), make(0.1).map(Math.abs), make(0.1)];
        const constants = Float32Array.of(0.9, 0.1, 0.999, 0.001, 0.1, 0.001, 1e-7, -0.01);
        const updates: Record<string, (out: Float32Array, sums?: Float32Array) => void> = {
          sgd: (out, sums) => addon.sgd(value, gradient, out, -0.05, sums, sums && cols),
          momentum: (out, sums) => addon.momentum(value, gradient, acc, out, new Float32Array(n), 0.9, -0.05, false, sums, sums && cols),
          adam: (out, sums) => addon.adam(value, gradient, m, v, out, new Float32Array(n), new Float32Array(n), constants, sums, sums && cols),
        };
        for (const [name, update] of Object.entries(updates)) {
          const [plain, written, sums] = [new Float32Array(n), new Float32Array(n), blocksOf(rows, cols)];
          update(plain);
          update(written, sums);
          expect(written.findIndex((x, i) => !Object.is(x, plain[i])), name).toBe(-1);
          // the sums against float64 sums of squares of the written value
          let worst = 0;
          for (let b = 0; b * NORM_BLOCK_ROWS < rows; b++) {
            for (let j = 0; j < cols; j++) {
              let exact = 0;
              for (let i = b * NORM_BLOCK_ROWS; i < Math.min(rows, (b + 1) * NORM_BLOCK_ROWS); i++) exact += written[i * cols + j]! ** 2;
              worst = Math.max(worst, Math.abs(sums[b * cols + j]! - exact) / exact);
            }
          }
          expect(worst, name).toBeLessThan(1e-6);
          // c between the columns' norms: some are scaled, some kept
          const norms = Array.from({ length: cols }, (_, j) => Math.hypot(...Array.from({ length: rows }, (_, i) => written[i * cols + j]!)));
          const c = [...norms].sort((p, q) => p - q)[cols >> 1]!;
          const [own, fromSums] = [new Float32Array(n), new Float32Array(n)];
          const scaled = addon.maxNormColumns(written, own, rows, cols, c);
          expect(scaled).toBeGreaterThan(0);
          expect(scaled).toBeLessThan(cols);
          expect(addon.maxNormColumns(written, fromSums, rows, cols, c, sums)).toBe(scaled);
          expect(fromSums.findIndex((x, i) => !Object.is(x, own[i])), name).toBe(-1);
        }
      }
    }
    // the lengths are checked
    const w = new Float32Array(130 * 48);
    expect(() => addon.maxNormColumns(w, new Float32Array(w.length), 130, 48, 1, new Float32Array(48))).toThrow(/maxNormColumns: blockSums holds 48 values but ⌈rows\/64⌉·cols is 144/);
    expect(() => addon.sgd(w, w, new Float32Array(w.length), -0.1, new Float32Array(144), 47)).toThrow(/sgd: cols = 47 does not divide the value's 6240 elements/);
    expect(() => addon.momentum(w, w, w, new Float32Array(w.length), new Float32Array(w.length), 0.9, -0.1, false, new Float32Array(143), 48)).toThrow(/momentum: blockSums holds 143/);
  });

  it('in training: max-norm after a fused update uses the update’s sums and gives the bits of its own pass; a read-out value is summed again, with what the reader wrote into it', async () => {
    await useNativeBackend({ threads: 2 });
    const { columnSums } = (tf.backend() as NativeBackend).pool;
    const r = new HostRandom(32);
    const [rows, cols, c] = [200, 96, 1.1];
    const init = Float32Array.from({ length: rows * cols }, () => (r.uniform() - 0.5) * 0.3);
    const grads = Array.from({ length: 6 }, () => tf.tensor2d(Float32Array.from({ length: rows * cols }, () => r.uniform() - 0.5), [rows, cols]));
    // readOut: each updated value read to the host before its projection (the pool then forgets its sums)
    const train = (readOut: boolean) => {
      const variable = tf.variable(tf.tensor2d(init, [rows, cols]), true, `w${readOut ? 'Read' : 'Fast'}`);
      const optimizer = new FusedMomentumOptimizer(0.2, 0.9);
      const used = columnSums.stats.used;
      const tensors = tf.memory().numTensors;
      let scaled = 0;
      for (const g of grads) {
        optimizer.applyGradients([{ name: variable.name, tensor: g }]);
        if (readOut) variable.dataSync();
        const before = variable.dataId;
        tf.tidy(() => variable.assign(projectMaxNorm(variable, c) as tf.Tensor2D));
        if (variable.dataId !== before) scaled++;
      }
      // the first step's tensors are the optimizer's velocity; none per step after it
      const leaked = tf.memory().numTensors - tensors;
      const values = variable.dataSync().slice();
      optimizer.dispose();
      variable.dispose();
      return { values, used: columnSums.stats.used - used, scaled, leaked };
    };
    const fast = train(false);
    const read = train(true);
    // the first projection asks for sums; every later update makes them and the projection uses them
    expect(fast.used).toBe(grads.length - 1);
    expect(read.used).toBe(0);
    expect(fast.scaled).toBeGreaterThan(0);
    expect(fast.leaked).toBe(1);
    expect(fast.values.findIndex((x, i) => !Object.is(x, read.values[i]))).toBe(-1);
    // what a reader writes into the read-out array (which tfjs-cpu shares) is what the projection sees
    const variable = tf.variable(tf.tensor2d(init.map((x) => x * 0.01), [rows, cols]));
    const optimizer = new FusedMomentumOptimizer(0.01, 0.9);
    for (let step = 0; step < 2; step++) {
      optimizer.applyGradients([{ name: variable.name, tensor: grads[step]! }]);
      if (step === 1) variable.dataSync()[5] = 1e3;
      tf.tidy(() => variable.assign(projectMaxNorm(variable, c) as tf.Tensor2D));
    }
    const out = variable.dataSync();
    expect(Math.hypot(...Array.from({ length: rows }, (_, i) => out[i * cols + 5]!))).toBeCloseTo(c, 5);
    optimizer.dispose();
    variable.dispose();
    for (const g of grads) g.dispose();
  });
});
