import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { HostRandom, nn, Trainer } from '@tikhonov/core';
import { checkBackend } from '@tikhonov/core/testing';
import { loadDigits } from '@tikhonov/datasets';
import { loadAddon, NativeBackend, nativeKernels, useNativeBackend, type NativeAddon } from '@tikhonov/backend-native';
import { unavailable } from './available.js';

type ConvGeometryArg = Parameters<NativeAddon['conv2d']>[3];

/** A convolution's inputs (x, w, dy: sines and cosines) and its float64 results tap by tap: y, dw and dx. */
function convolutionCase(g: ConvGeometryArg) {
  const { batch, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: O, filterHeight: FH, filterWidth: FW } = g;
  const x = Float32Array.from({ length: batch * H * W * C }, (_, i) => Math.sin(i * 0.37));
  const w = Float32Array.from({ length: FH * FW * C * O }, (_, i) => Math.cos(i * 0.91));
  const dy = Float32Array.from({ length: batch * OH * OW * O }, (_, i) => Math.sin(i * 0.53 + 1));
  const out64 = new Float64Array(dy.length), dw64 = new Float64Array(w.length), dx64 = new Float64Array(x.length);
  for (let b = 0; b < batch; b++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) for (let fh = 0; fh < FH; fh++) for (let fw = 0; fw < FW; fw++) {
    const h = oh * g.strideHeight - g.padTop + fh * g.dilationHeight;
    const v = ow * g.strideWidth - g.padLeft + fw * g.dilationWidth;
    if (h < 0 || h >= H || v < 0 || v >= W) continue;
    for (let c = 0; c < C; c++) for (let o = 0; o < O; o++) {
      const xi = ((b * H + h) * W + v) * C + c, wi = ((fh * FW + fw) * C + c) * O + o, yi = ((b * OH + oh) * OW + ow) * O + o;
      out64[yi]! += x[xi]! * w[wi]!;
      dw64[wi]! += x[xi]! * dy[yi]!;
      dx64[xi]! += w[wi]! * dy[yi]!;
    }
  }
  return { x, w, dy, out64, dw64, dx64 };
}

/** The largest error of float32 results against float64 ones, relative to 1 + |want|. */
const worst = (got: Float32Array, want: Float64Array) => got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i]!) / (1 + Math.abs(want[i]!))), 0);
/** Switches oneDNN on; where the addon was built without it, says which test is skipped and why, and returns false. */
function dnnlOrSkip(addon: NativeAddon, test: string): boolean {
  const built = addon.setDnnl(true) !== '';
  if (!built) console.warn(`skipping ${test}: this addon was built without oneDNN (libdnnl-dev)`);
  return built;
}

describe("without the addon (CI's first pass hides OpenBLAS)", () => {
  if (unavailable === undefined) console.warn('the addon is built here: the missing-addon test runs where it is not (CI runs once with OpenBLAS hidden)');
  it.skipIf(unavailable === undefined)('useNativeBackend refuses, naming what to install and the rebuild command, once', async () => {
    const error = (await useNativeBackend().catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toMatch(/native addon is not available: OpenBLAS was not found by pkg-config\. Install it with `sudo apt-get install libopenblas-dev pkg-config`.*then rebuild with `pnpm --filter @tikhonov\/backend-native build`/);
    expect(error!.message.match(/apt-get install/g)).toHaveLength(1);
    expect(tf.getBackend()).not.toBe('native');
  });
});

/** op(a) · op(b) in float64, row-major: a is m×k (k×m when ta), b is k×n (n×k when tb). */
function float64Product(a: Float32Array, b: Float32Array, m: number, n: number, k: number, ta: boolean, tb: boolean): Float64Array {
  const want = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let p = 0; p < k; p++) sum += a[ta ? p * m + i : i * k + p]! * b[tb ? j * k + p : p * n + j]!;
    want[i * n + j] = sum;
  }
  return want;
}

describe.skipIf(unavailable !== undefined)('the native backend', () => {
  it('starts, reports OpenBLAS and its native kernels', async () => {
    const info = await useNativeBackend({ threads: 2 });
    expect(info.backend).toBe('native');
    expect(info.engine).toBe('addon');
    expect(info.threads).toBe(2);
    expect(info.blas).toMatch(/OpenBLAS/);
    expect(nativeKernels()).toEqual(['BatchMatMul', '_FusedMatMul', 'GatherV2', 'Softmax', 'ArgMax', 'Select', 'Cast', 'Transform', 'Reverse', 'Tile', 'OnesLike', 'ZerosLike', 'TikhonovLerp', 'TikhonovAdam', 'TikhonovMomentum', 'TikhonovSgd', 'TikhonovMaxNorm', 'TikhonovDense', 'TikhonovBiasActivationGrad', 'TikhonovSoftmaxCrossEntropy', 'TikhonovSoftmaxCrossEntropyGrad', 'TikhonovMeanSoftmaxCrossEntropy', 'TikhonovMeanSoftmaxCrossEntropyGrad', 'Sum', 'Max', 'Mean', 'Relu', 'Step', 'Exp', 'Log', 'Neg', 'Square', 'Sqrt', 'Sigmoid', 'Tanh', 'Abs', 'Sign', 'ClipByValue', 'Softplus', 'Add', 'Sub', 'Multiply', 'RealDiv', 'SquaredDifference', 'Maximum', 'Minimum', 'Equal', 'NotEqual', 'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'MaxPool', 'MaxPoolGrad', 'AvgPool', 'AvgPoolGrad', 'TikhonovConv2D']);
  });

  it('says what runs its convolutions and products, and refuses oneDNN where the addon lacks it', async () => {
    const dnnl = loadAddon().setDnnl(true);
    const winograd = loadAddon().setDnnlWinograd(true) ? `${dnnl}, Winograd where it pays` : dnnl;
    const chosen = await useNativeBackend({ threads: 2 });
    expect(chosen.convolutions).toBe(dnnl ? winograd : 'im2col + SGEMM');
    expect(chosen.products).toBe(dnnl ? `${dnnl} + OpenBLAS` : 'OpenBLAS');
    expect((await useNativeBackend({ convolutions: 'im2col' })).convolutions).toBe('im2col + SGEMM');
    const openblas = await useNativeBackend({ products: 'openblas' });
    expect(openblas.products).toBe('OpenBLAS');
    expect(loadAddon().gemmLibrary(128, 512, 784), 'a large product after products: openblas').toBe('openblas');
    if (dnnl) {
      expect(dnnl).toMatch(/^oneDNN \d+\.\d+\.\d+$/);
      expect((await useNativeBackend({ convolutions: 'onednn' })).convolutions).toBe(winograd);
      expect((await useNativeBackend({ convolutions: 'onednn-direct' })).convolutions).toBe(dnnl);
      expect((await useNativeBackend({ products: 'onednn' })).products).toBe(`${dnnl} + OpenBLAS`);
    } else {
      console.warn('this addon was built without oneDNN: checking the refusals instead');
      await expect(useNativeBackend({ convolutions: 'onednn' })).rejects.toThrow(/convolutions = 'onednn' but this addon was built without oneDNN: install it .*libdnnl-dev.* or pass convolutions: 'im2col'/);
      await expect(useNativeBackend({ convolutions: 'onednn-direct' })).rejects.toThrow(/convolutions = 'onednn-direct' but this addon was built without oneDNN/);
      await expect(useNativeBackend({ products: 'onednn' })).rejects.toThrow(/products = 'onednn' but this addon was built without oneDNN: install it .*libdnnl-dev.* or pass products: 'openblas'/);
    }
    await expect(useNativeBackend({ convolutions: 'mkl' as never })).rejects.toThrow(/option 'convolutions' = "mkl" is not allowed/);
    await expect(useNativeBackend({ products: 'mkl' as never })).rejects.toThrow(/option 'products' = "mkl" is not allowed/);
    await expect(useNativeBackend({ engine: 'tfjs-node', convolutions: 'im2col' })).rejects.toThrow(/convolutions = 'im2col' applies to the addon engine only/);
    await expect(useNativeBackend({ engine: 'tfjs-node', products: 'openblas' })).rejects.toThrow(/products = 'openblas' applies to the addon engine only/);
    await useNativeBackend({ threads: 2 });
  });

  it('passes checkBackend: kernels and gradients match cpu, and so does a training run', async () => {
    const report = await checkBackend('native');
    console.log(report.cases.map((c) => `${c.label}: ${c.maxError.toExponential(1)}`).join('\n'), `\ntraining run gap ${report.trainingGap.toExponential(1)}`);
    expect(report.cases.length).toBeGreaterThan(15);
  });

  it('trains the digits MLP to the same accuracy as cpu, with flat tensor counts', async () => {
    const { data } = loadDigits();
    const accuracy: number[] = [];
    for (const backend of ['cpu', 'native']) {
      await tf.setBackend(backend);
      const t = new Trainer({ model: nn.sequential([nn.dense(64, { activation: 'relu' }), nn.dense(10)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 0.1 }, seed: 0, progress: false });
      await t.fit(data, { epochs: 1, batchSize: 64 });
      const before = tf.memory().numTensors;
      await t.fit(data, { epochs: 3, batchSize: 64 });
      expect(tf.memory().numTensors).toBe(before);
      accuracy.push((await t.evaluate(data)).accuracy!);
      t.dispose();
    }
    expect(Math.abs(accuracy[0]! - accuracy[1]!)).toBeLessThan(0.01);
  });
});

// The optional tfjs-node engine: its tests run only where @tensorflow/tfjs-node loads.
let tfjsNode: string | undefined;
try {
  const specifier = '@tensorflow/tfjs-node';
  await import(specifier);
} catch (error) {
  tfjsNode = (error as Error).message.split('\n')[0];
}
describe("engine: 'tfjs-node'", () => {
  it.skipIf(tfjsNode !== undefined)('selects the tensorflow backend where @tensorflow/tfjs-node loads', async () => {
    const info = await useNativeBackend({ engine: 'tfjs-node' });
    expect(info).toMatchObject({ backend: 'tensorflow', engine: 'tfjs-node' });
    await tf.setBackend('cpu');
  });
  it.skipIf(tfjsNode === undefined)('where it does not load, says so and how to install it (no fallback)', async () => {
    console.warn(`@tensorflow/tfjs-node does not load here (${tfjsNode}): its engine test is skipped; checking the error instead`);
    const before = tf.getBackend();
    await expect(useNativeBackend({ engine: 'tfjs-node' })).rejects.toThrow(/engine 'tfjs-node' needs @tensorflow\/tfjs-node, which did not load .*pnpm add @tensorflow\/tfjs-node/);
    expect(tf.getBackend()).toBe(before);
  });
  it('threads belong to the addon engine', async () => {
    await expect(useNativeBackend({ engine: 'tfjs-node', threads: 2 })).rejects.toThrow(/threads = 2 applies to the addon engine only/);
    await expect(useNativeBackend({ engine: 'gpu' as never })).rejects.toThrow(/engine/);
  });
});

describe.skipIf(unavailable !== undefined)('output arrays are recycled only when nothing can see them', () => {
  const n = 64 * 100; // above the pooling threshold
  const input = () => tf.tensor1d(Float32Array.from({ length: n }, (_, i) => Math.sin(i) - 0.2));
  const churn = (x: tf.Tensor) => {
    // same-size native outputs, created and disposed: they take recycled arrays
    for (let i = 0; i < 20; i++) tf.dispose(tf.tidy(() => tf.add(tf.relu(x), tf.mul(x, tf.scalar(i)))));
  };

  it('disposed outputs are reused', async () => {
    await useNativeBackend();
    const pool = (tf.backend() as NativeBackend).pool;
    const x = input();
    churn(x);
    const before = { ...pool.stats };
    churn(x);
    expect(pool.stats.reused - before.reused).toBeGreaterThan(30);
    expect(pool.stats.allocated - before.allocated).toBe(0);
    x.dispose();
  });

  it('an array read out with dataSync keeps its values after its tensor is disposed', async () => {
    await useNativeBackend();
    const x = input();
    const t = tf.relu(x);
    const seen = t.dataSync();
    const copy = Array.from(seen);
    t.dispose();
    churn(x);
    expect(Array.from(seen)).toEqual(copy);
    x.dispose();
  });

  it('a slice (a view of its source on tfjs-cpu) survives the disposal of the source', async () => {
    await useNativeBackend();
    const x = input();
    const t = tf.relu(x);
    const part = tf.slice(t, [10], [100]);
    const expected = Array.from(x.dataSync().slice(10, 110), (v) => Math.max(v, 0));
    t.dispose();
    churn(x);
    expect(Array.from(part.dataSync())).toEqual(expected.map((v) => Math.fround(v)));
    tf.dispose([x, part]);
  });

  it('gathers rows of int32 tensors (class ids, one or three per row, one-hot rows) as tfjs-cpu does, and refuses an index outside the rows', async () => {
    const ids = [5, 0, 5, 2, 9];
    const run = async (backend: 'cpu' | 'native') => {
      if (backend === 'native') await useNativeBackend();
      else await tf.setBackend('cpu');
      const labels = tf.tensor1d([10, 11, 12, 13, 14, 15, 16, 17, 18, 19], 'int32');
      const triples = tf.tensor2d(Array.from({ length: 30 }, (_, i) => i * 7 - 50), [10, 3], 'int32');
      const at = tf.tensor1d(ids, 'int32');
      // one-hot rows (tfjs-cpu's OneHot stores int32 in a Float32Array; an on-value of 2.7 is 2 once gathered)
      const rows = tf.oneHot(tf.tensor1d([3, 1, 4, 1, 5, 9, 2, 6, 5, 3], 'int32'), 10, 2.7, -1);
      const [a, b, c] = [tf.gather(labels, at), tf.gather(triples, at), tf.gather(rows, at)];
      const got = { a: Array.from(await a.data()), b: Array.from(await b.data()), c: Array.from(await c.data()), dtypes: [a.dtype, b.dtype, c.dtype], shapes: [a.shape, b.shape, c.shape] };
      tf.dispose([labels, triples, rows, at, a, b, c]);
      return got;
    };
    const cpu = await run('cpu');
    expect(cpu.a).toEqual([15, 10, 15, 12, 19]); // by hand: labels[ids]
    expect(cpu.c.slice(0, 10)).toEqual([-1, -1, -1, -1, -1, -1, -1, -1, -1, 2]); // by hand: ids[0] = 5 is class 9, and 2.7 is 2
    expect(await run('native')).toEqual(cpu);
    expect(() => tf.gather(tf.tensor1d([1, 2, 3], 'int32'), tf.tensor1d([1, 3], 'int32'))).toThrow(/index 3 is outside \[0, 3\)/);
  });

  it('gathers a batch of float rows (128 of 784 from 1000, repeats included: above the size it splits over the pool) as tfjs-cpu does, on 1 and 2 threads', async () => {
    const r = new HostRandom(12);
    const table = Float32Array.from({ length: 1000 * 784 }, () => r.uniform() - 0.5);
    const ids = Int32Array.from({ length: 128 }, (_, i) => (i % 17 === 0 ? 999 : Math.floor(r.uniform() * 1000)));
    const run = async (threads?: number) => {
      if (threads === undefined) await tf.setBackend('cpu');
      else await useNativeBackend({ threads });
      const [x, at] = [tf.tensor2d(table, [1000, 784]), tf.tensor1d(ids, 'int32')];
      const rows = tf.gather(x, at);
      const got = Array.from(await rows.data());
      tf.dispose([x, at, rows]);
      return got;
    };
    const cpu = await run();
    // by hand: row i is the table's row ids[i]
    expect(cpu.slice(784 * 5, 784 * 6)).toEqual(Array.from(table.subarray(ids[5]! * 784, (ids[5]! + 1) * 784)));
    expect(await run(1)).toEqual(cpu);
    expect(await run(2)).toEqual(cpu);
  });

  it('Sum, Mean and Max with nothing to reduce (a scalar, or no axes) give tfjs-cpu’s values bit for bit: −0 summed from 0 is +0, NaN stays', async () => {
    const values = [-0, 0, 1.5, -2.25, NaN, Infinity, -Infinity, 3e-39];
    const run = async (native: boolean) => {
      if (native) await useNativeBackend();
      else await tf.setBackend('cpu');
      const got: number[][] = [];
      for (const v of values) {
        const scalar = tf.scalar(v);
        for (const reduce of [tf.sum, tf.mean, tf.max]) {
          const r = reduce(scalar);
          got.push(Array.from(await r.data()));
          r.dispose();
        }
        scalar.dispose();
      }
      const row = tf.tensor2d([values], [1, values.length]);
      for (const r of [tf.sum(row, []), tf.mean(row, []), tf.max(row, [])]) {
        got.push(Array.from(await r.data()), r.shape);
        r.dispose();
      }
      row.dispose();
      return got;
    };
    const cpu = await run(false);
    expect(Object.is(cpu[0]![0], 0)).toBe(true); // by hand: tfjs-cpu's sum of −0 is 0 + −0 = +0
    expect(Object.is(cpu[2]![0], -0)).toBe(true); // and its max keeps −0
    const native = await run(true);
    expect(native.length).toBe(cpu.length);
    native.forEach((row, i) => expect(row.every((v, j) => Object.is(v, cpu[i]![j]))).toBe(true));
  });

  it('argMax over int32 rows (in an Int32Array, and one-hot rows that tfjs-cpu stores in a Float32Array) as tfjs-cpu finds it: the first largest, ties included', async () => {
    const table = [[3, 7, 7, -1], [-5, -9, -5, -6], [0, 0, 0, 0], [2, 1, 9, 9]];
    const run = async (native: boolean) => {
      if (native) await useNativeBackend();
      else await tf.setBackend('cpu');
      const ints = tf.tensor2d(table, [4, 4], 'int32');
      const oneHot = tf.oneHot(tf.tensor1d([2, 0, 3, 3, 1], 'int32'), 4);
      const [a, b] = [tf.argMax(ints, -1), tf.argMax(oneHot, 1)];
      const got = [Array.from(await a.data()), Array.from(await b.data())];
      tf.dispose([ints, oneHot, a, b]);
      return got;
    };
    const cpu = await run(false);
    expect(cpu).toEqual([[1, 0, 0, 2], [2, 0, 3, 3, 1]]); // by hand: the first largest of each row; the one-hot rows' classes
    expect(await run(true)).toEqual(cpu);
  });

  it('the momentum entry point stores the velocity past the caches in 16-byte-aligned blocks and by copy elsewhere: float32 arithmetic bit for bit at any offset and length, plain and Nesterov, 1 and 2 threads', () => {
    const addon = loadAddon();
    const r = new HostRandom(21);
    const [m, c] = [0.9, -0.01];
    for (const threads of [1, 2]) {
      addon.setThreads(threads);
      // offsets 0–3 floats (16-byte aligned or not) and lengths around the 64-value blocks, one above the pool's threshold
      for (const [offset, n] of [[0, 64], [1, 63], [2, 1003], [3, 70_001], [0, 70_003]] as const) {
        for (const nesterov of [false, true]) {
          const make = () => Float32Array.from({ length: n + offset }, () => r.uniform() - 0.5).subarray(offset);
          const [value, gradient, accumulation, outValue, outAccumulation] = [make(), make(), make(), make(), make()];
          addon.momentum(value, gradient, accumulation, outValue, outAccumulation, m, c, nesterov);
          const [fm, fc] = [Math.fround(m), Math.fround(c)];
          let wrong = 0;
          for (let i = 0; i < n; i++) {
            // tfjs's MomentumOptimizer's float32 operations, in its order
            const next = Math.fround(Math.fround(fm * accumulation[i]!) + gradient[i]!);
            const step = nesterov ? Math.fround(fc * Math.fround(gradient[i]! + Math.fround(next * fm))) : Math.fround(fc * next);
            if (!Object.is(outAccumulation[i], next) || !Object.is(outValue[i], Math.fround(step + value[i]!))) wrong++;
          }
          expect(wrong).toBe(0);
        }
      }
    }
  });

  it('a tensor built from a user array never lends that array out', async () => {
    await useNativeBackend();
    const values = Float32Array.from({ length: n }, (_, i) => i);
    const t = tf.tensor1d(values);
    t.dispose();
    const x = input();
    churn(x);
    expect(values[5]).toBe(5);
    expect(values[n - 1]).toBe(n - 1);
    x.dispose();
  });
});

describe.skipIf(unavailable !== undefined)('the addon checks what it is given', () => {
  const addon = unavailable ? (undefined as never) : loadAddon();
  const a = new Float32Array(6);
  const b = new Float32Array(6);
  it('an exception inside a pool job (std::bad_alloc in one chunk) reaches JavaScript as an Error, and the pool works after it, on 1 and 2 threads', () => {
    const before = addon.getThreads();
    try {
      for (const threads of [1, 2]) {
        addon.setThreads(threads);
        expect(addon.poolFailureProbe(64, 64, false)).toBe(64); // no chunk fails: all ran
        expect(() => addon.poolFailureProbe(64, 37, false)).toThrow(/bad_alloc/);
        expect(() => addon.poolFailureProbe(64, 0, false)).toThrow(/bad_alloc/);
        // a chunk that a worker thread runs throws: on 2 threads an Error too (it used to end the process); on 1
        // thread there is no worker, and every chunk runs
        if (threads === 2) expect(() => addon.poolFailureProbe(1000, 1000, true)).toThrow(/bad_alloc/);
        else expect(addon.poolFailureProbe(1000, 1000, true)).toBe(1000);
        // the pool is whole again: every chunk of the next job runs, and a parallel kernel gives its result
        expect(addon.poolFailureProbe(1000, 1000, false)).toBe(1000);
        const x = Float32Array.from({ length: 1 << 18 }, (_, i) => i - (1 << 17));
        const out = new Float32Array(x.length);
        addon.unary(0, x, out, 0);
        expect(out.every((v, i) => v === Math.max(x[i]!, 0))).toBe(true);
      }
    } finally {
      addon.setThreads(before);
    }
  });

  it('a worker started by setThreads joins the very next job (it used to read the job counter late and sleep through it, ≈ 1 time in 10)', () => {
    const before = addon.getThreads();
    try {
      let joined = 0;
      for (let r = 0; r < 50; r++) {
        addon.setThreads(1);
        addon.setThreads(2);
        // the probe's first chunk waits up to 0.2 s for a worker; the worker's chunk throws, so a throw means it came
        try {
          addon.poolFailureProbe(1000, 1000, true);
        } catch {
          joined++;
        }
      }
      expect(joined).toBe(50);
    } finally {
      addon.setThreads(before);
    }
  });

  it('wrong lengths', () => {
    expect(() => addon.gemmBatched(a, b, new Float32Array(3), 1, 2, 2, 3, false, false, 0, 0)).toThrow(/out holds 3 values but must hold batch·m·n = 4/);
    expect(() => addon.gemmBatched(new Float32Array(5), b, new Float32Array(4), 1, 2, 2, 3, false, false, 0, 0)).toThrow(/a holds 5 values but the shapes need 6/);
    expect(() => addon.gemmBatched(a, b, new Float32Array(8), 2, 2, 2, 3, false, false, 6, 6)).toThrow(/a holds 6 values but the shapes need 12/);
  });
  it('negative, zero and fractional dimensions, wrong types', () => {
    expect(() => addon.gemmBatched(a, b, new Float32Array(4), 1, -2, 2, 3, false, false, 0, 0)).toThrow(RangeError);
    expect(() => addon.gemmBatched(a, b, new Float32Array(4), 1, 2, 0, 3, false, false, 0, 0)).toThrow(/n must be a positive integer/);
    expect(() => addon.gemmBatched(a, b, new Float32Array(4), 1.5, 2, 2, 3, false, false, 0, 0)).toThrow(/batch must be a positive integer/);
    expect(() => addon.gemmBatched(a, b, new Float32Array(4), 1, 2, 2, 3, false, false, -1, 0)).toThrow(/aStride must be a non-negative integer/);
    expect(() => addon.gemmBatched(new Float64Array(6) as never, b, new Float32Array(4), 1, 2, 2, 3, false, false, 0, 0)).toThrow(/a must be a Float32Array/);
    expect(() => (addon.gemmBatched as (...args: unknown[]) => void)(a, b)).toThrow(/takes 11 arguments/);
  });
  it('relu and step keep NaN and follow tfjs (step uses alpha for x ≤ 0)', () => {
    const x = new Float32Array([-1, 0, 2, Number.NaN]);
    const out = new Float32Array(4);
    addon.unary(0, x, out, 0);
    expect(Array.from(out)).toEqual([0, 0, 2, Number.NaN]);
    addon.unary(1, x, out, 0.5);
    expect(Array.from(out)).toEqual([0.5, 0.5, 1, Number.NaN]);
    expect(() => addon.unary(0, x, new Float32Array(3), 0)).toThrow(/same length/);
  });

  it('unary ops and max follow the cpu backend on NaN, infinities and zeros', async () => {
    const special = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1e-30, -3.5, 88, -88, 1e30];
    const ops: Array<(x: tf.Tensor) => tf.Tensor> = [tf.exp, tf.log, tf.neg, tf.square, tf.sqrt, tf.sigmoid, tf.tanh, tf.abs, tf.relu, tf.sign, tf.softplus, (x) => tf.clipByValue(x, -4, 1e-30), (x) => tf.max(tf.reshape(x, [2, 5]), 1), (x) => tf.max(tf.reshape(x, [2, 5]), 0)];
    for (const op of ops) {
      const run = async (backend: string) => {
        await tf.setBackend(backend);
        return tf.tidy(() => Array.from(op(tf.tensor1d(special)).dataSync()));
      };
      const cpu = await run('cpu');
      const native = await run('native');
      for (const [i, v] of cpu.entries()) {
        if (Number.isNaN(v) || !Number.isFinite(v) || v === 0) expect(native[i]).toBe(v);
        else expect(Math.abs(native[i]! - v) / Math.abs(v)).toBeLessThan(1e-6);
      }
    }
  });

  it('softmax, argMax and mean rows follow tfjs-cpu: exact values, NaN rows, ties', async () => {
    await tf.setBackend('cpu');
    const x = Float32Array.from({ length: 50 * 12 }, (_, i) => 8 * Math.sin(i * 1.7));
    x[5 * 12 + 3] = NaN; // row 5 holds a NaN
    x.fill(2, 7 * 12, 8 * 12); // row 7 is all ties
    const t = tf.tensor2d(x, [50, 12]);
    const softmax = new Float32Array(x.length);
    addon.softmaxRows(x, 12, softmax);
    expect(Array.from(softmax)).toEqual(Array.from(tf.softmax(t).dataSync()));
    expect(softmax.subarray(5 * 12, 6 * 12).every((v) => Number.isNaN(v))).toBe(true);
    const argMax = new Int32Array(50);
    addon.argMaxRows(x, 12, argMax);
    expect(Array.from(argMax)).toEqual(Array.from(tf.argMax(t, 1).dataSync()));
    expect(argMax[7]).toBe(0);
    for (const leading of [true, false]) {
      const mean = new Float32Array(leading ? 12 : 50);
      addon.reduceAxis(2, x, 50, 12, leading, mean);
      expect(Array.from(mean)).toEqual(Array.from(tf.mean(t, leading ? 0 : 1).dataSync()));
    }
    t.dispose();
    expect(() => addon.softmaxRows(x, 7, softmax)).toThrow(/must be whole rows of 7/);
    expect(() => addon.argMaxRows(x, 12, new Int32Array(49))).toThrow(/out must hold 1 value\(s\) per row/);
    expect(() => addon.argMaxRows(x, 12, new Float32Array(50) as never)).toThrow(/out must be an Int32Array/);
  });

  it('biasActivation adds a bias row to every row, then applies the activation; NaN stays NaN', () => {
    const x = [-7, -0.5, 0, 0.5, 7, NaN];
    const bias = new Float32Array([1, -1, 0]);
    const want = (f: (v: number) => number) => x.map((v, i) => f(Math.fround(v + bias[i % 3]!)));
    const run = (act: number, alpha = 0, withBias = true) => {
      const out = new Float32Array(x);
      addon.biasActivation(out, withBias ? bias : undefined, act, alpha);
      return Array.from(out);
    };
    expect(run(0)).toEqual(want((v) => v));
    expect(run(1)).toEqual(want((v) => (v < 0 ? 0 : v)));
    expect(run(2)).toEqual(want((v) => Math.min(6, Math.max(0, v))));
    expect(run(3, 0.1)).toEqual(want((v) => (v < 0 ? Math.fround(v * Math.fround(0.1)) : v)));
    expect(run(1, 0, false)).toEqual(x.map((v) => (v < 0 ? 0 : v)));
    expect(() => addon.biasActivation(new Float32Array(6), new Float32Array(4), 0, 0)).toThrow(/bias length 4 must divide out's length 6/);
    expect(() => addon.biasActivation(new Float32Array(6), undefined, 4, 0)).toThrow(/unknown activation 4/);
  });

  it('comparisons, select and casts follow JavaScript: NaN, infinities, ToInt32 wrapping', () => {
    const x = new Float32Array([NaN, Infinity, -Infinity, 0, -0, 2.7, -2.7, 2 ** 31, -(2 ** 31) - 256, 3e9, -3e9, 1e20, 0.5]);
    const y = new Float32Array([NaN, Infinity, 0, -0, 0, 2.7, 1, 2 ** 31, 5, 3e9, -3e9, 1e20, 0.25]);
    const ops: Array<[number, (a: number, b: number) => boolean]> = [[7, (a, b) => a === b], [8, (a, b) => a !== b], [9, (a, b) => a > b], [10, (a, b) => a >= b], [11, (a, b) => a < b], [12, (a, b) => a <= b]];
    for (const [op, f] of ops) {
      const out = new Uint8Array(x.length);
      addon.binary(op, x, y, out, 1, 1);
      expect(Array.from(out), `op ${op}`).toEqual(Array.from(x, (v, i) => (f(v, y[i]!) ? 1 : 0)));
    }
    expect(() => addon.binary(9, x, y, new Float32Array(x.length), 1, 1)).toThrow(/out must be a Uint8Array for a comparison/);
    const toInt = new Int32Array(x.length);
    addon.castFloats(x, toInt);
    expect(Array.from(toInt)).toEqual(Array.from(Int32Array.from(x)));
    const toBool = new Uint8Array(x.length);
    addon.castFloats(x, toBool);
    expect(Array.from(toBool)).toEqual(Array.from(x, (v) => (v !== 0 ? 1 : 0)));
    const condition = Uint8Array.from(x, (_, i) => [1, 0, 2][i % 3]!); // 2 is not 1: tfjs-cpu picks e
    const out = new Float32Array(x.length);
    addon.select(condition, x, y, out);
    expect(Array.from(out)).toEqual(Array.from(x, (v, i) => (condition[i] === 1 ? v : y[i]!)));
    expect(() => addon.select(condition.subarray(1), x, y, out)).toThrow(/same length/);
  });

  it('large reductions: blocks of rows on the pool give float64 sums, exact maxima, NaN columns, the same on 1 and 2 threads', () => {
    const [outer, inner] = [5000, 40]; // 200 000 values: 5 blocks of rows, on the pool
    const x = Float32Array.from({ length: outer * inner }, (_, i) => Math.sin(i * 0.7) * 3);
    x[2500 * inner + 7] = NaN; // column 7 and row 2500 hold a NaN
    const results = [1, 2].map((threads) => {
      addon.setThreads(threads);
      return [true, false].flatMap((leading) =>
        [0, 1, 2].map((op) => {
          const out = new Float32Array(leading ? inner : outer);
          addon.reduceAxis(op, x, outer, inner, leading, out);
          return out;
        }),
      );
    });
    addon.setThreads(2);
    expect(results[1]!.map((a) => Array.from(a))).toEqual(results[0]!.map((a) => Array.from(a)));
    const [sum, max, mean] = results[1]!;
    for (let j = 0; j < inner; j++) {
      let s = 0;
      let m = -Infinity;
      for (let i = 0; i < outer; i++) {
        s += x[i * inner + j]!;
        m = Math.max(m, x[i * inner + j]!);
      }
      if (j === 7) {
        expect([sum![j], max![j], mean![j]].every(Number.isNaN)).toBe(true);
        continue;
      }
      expect(sum![j]).toBeCloseTo(s, 3);
      expect(mean![j]).toBeCloseTo(s / outer, 6);
      expect(max![j]).toBe(m);
    }
    expect(Number.isNaN(results[1]![3]![2500])).toBe(true); // the row sum of row 2500
  });

  it('reductions over every axis (l1’s Σ|w|, elasticNet’s Σw²) are tfjs-cpu’s values bit for bit, on 1 and 2 threads', async () => {
    // sizes around the 1 024-value blocks; a wide range of magnitudes, so that a lost or repeated value shows; the
    // largest value second in a block (the first block's, or the second's where there is one), the next largest last
    for (const shape of [[784, 256], [200_003], [3, 1025], [1023], [1]]) {
      const size = shape.reduce((a, b) => a * b, 1);
      const top = size > 1025 ? 1025 : 1;
      const x = Float32Array.from({ length: size }, (_, i) => Math.sin(i * 1.3) * (i % 17 === 0 ? 1e4 : 1) + (i === size - 1 ? 1e5 : 0) + (i === top ? 2e5 : 0));
      const ops = [(t: tf.Tensor) => tf.sum(t), (t: tf.Tensor) => tf.mean(t), (t: tf.Tensor) => tf.max(t)];
      await tf.setBackend('cpu');
      const cpu = ops.map((op) => tf.tidy(() => op(tf.tensor(x, shape)).dataSync()[0]!));
      await useNativeBackend();
      for (const threads of [1, 2]) {
        addon.setThreads(threads);
        expect(ops.map((op) => tf.tidy(() => op(tf.tensor(x, shape)).dataSync()[0]!)), `shape [${shape}], ${threads} thread(s)`).toEqual(cpu);
      }
    }
    addon.setThreads(2);
    // NaN anywhere makes the sum, the mean and the maximum NaN
    const withNaN = Float32Array.from({ length: 5000 }, (_, i) => (i === 4321 ? NaN : i));
    expect([tf.sum, tf.mean, tf.max].map((op) => tf.tidy(() => op(tf.tensor2d(withNaN, [50, 100])).dataSync()[0]))).toEqual([NaN, NaN, NaN]);
  });

  it('onesLike and zerosLike of float32 fill every value of a recycled array; other dtypes are tfjs-cpu’s', async () => {
    await useNativeBackend();
    const pool = (tf.backend() as NativeBackend).pool;
    for (const [op, value] of [[tf.onesLike, 1], [tf.zerosLike, 0]] as const) {
      // an array of 5 000 values full of 7s goes back to the pool; the next output of that length is that array
      const sevens = tf.add(tf.zeros([50, 100]), 7);
      sevens.dispose();
      const reused = pool.stats.reused;
      const out = tf.tidy(() => op(tf.zeros([100, 50])));
      expect(pool.stats.reused).toBe(reused + 1);
      expect(out.shape).toEqual([100, 50]);
      expect(out.dtype).toBe('float32');
      expect(Array.from(out.dataSync()).every((v) => v === value)).toBe(true);
      out.dispose();
      // int32 and bool as tfjs-cpu gives them; an empty tensor too
      expect(tf.tidy(() => Array.from(op(tf.tensor1d([3, 4], 'int32')).dataSync()))).toEqual([value, value]);
      expect(tf.tidy(() => op(tf.tensor1d([3, 4], 'int32')).dtype)).toBe('int32');
      expect(tf.tidy(() => [op(tf.tensor1d([true, false], 'bool')).dtype, Array.from(op(tf.tensor1d([true, false], 'bool')).dataSync())])).toEqual(['bool', [value, value]]);
      expect(tf.tidy(() => op(tf.zeros([0, 3])).shape)).toEqual([0, 3]);
    }
  });

  it('binary broadcasts blocks of axes: (i / repeat) mod length', () => {
    const a = Float32Array.from({ length: 12 }, (_, i) => i); // [3, 4]
    const col = new Float32Array([10, 20, 30]); // [3, 1]
    const out = new Float32Array(12);
    addon.binary(1, a, col, out, 1, 4); // a − column
    expect(Array.from(out)).toEqual(Array.from(a, (v, i) => v - col[Math.floor(i / 4)]!));
    expect(() => addon.binary(0, a, col, out, 1, 5)).toThrow(/must divide the output length 12/);
    expect(() => addon.binary(0, a, col, out, 1, 0)).toThrow(/bRepeat must be a positive integer/);
  });

  it('binary: a scalar on either side and a held block against a full tensor, every arithmetic op, as float32 JavaScript', () => {
    // each pattern has its own loop in the addon (a scalar's and a held block's are vectorized)
    const f = Math.fround;
    const ops: Array<(x: number, y: number) => number> = [
      (x, y) => f(x + y),
      (x, y) => f(x - y),
      (x, y) => f(x * y),
      (x, y) => f(x / y),
      (x, y) => f(f(x - y) * f(x - y)),
      (x, y) => (x > y || Number.isNaN(x) ? x : y),
      (x, y) => (x < y || Number.isNaN(x) ? x : y),
    ];
    const rows = 37;
    const cols = 11;
    const full = Float32Array.from({ length: rows * cols }, (_, i) => (i === 5 ? NaN : Math.sin(i) * 3));
    const scalar = new Float32Array([-0.37]);
    const column = Float32Array.from({ length: rows }, (_, i) => Math.cos(i) + 0.5); // [37, 1]
    const out = new Float32Array(rows * cols);
    const same = (expected: (i: number) => number) => out.every((v, i) => Object.is(v, f(expected(i))));
    for (const [op, fn] of ops.entries()) {
      addon.binary(op, full, scalar, out, 1, 1);
      expect(same((i) => fn(full[i]!, scalar[0]!)), `op ${op}: tensor, scalar`).toBe(true);
      addon.binary(op, scalar, full, out, 1, 1);
      expect(same((i) => fn(scalar[0]!, full[i]!)), `op ${op}: scalar, tensor`).toBe(true);
      addon.binary(op, full, column, out, 1, cols);
      expect(same((i) => fn(full[i]!, column[Math.floor(i / cols)]!)), `op ${op}: tensor, column`).toBe(true);
      addon.binary(op, column, full, out, cols, 1);
      expect(same((i) => fn(column[Math.floor(i / cols)]!, full[i]!)), `op ${op}: column, tensor`).toBe(true);
    }
  });

  it('large elementwise ops split across threads give the single-thread result', () => {
    addon.setThreads(2);
    const rows = 40_000;
    const cols = 12; // 480 000 values: above the threading threshold
    const a = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i));
    const bias = Float32Array.from({ length: cols }, (_, j) => j - 5);
    const column = Float32Array.from({ length: rows }, (_, i) => Math.cos(i));
    const out = new Float32Array(rows * cols);
    addon.binary(0, a, bias, out, 1, 1); // + bias row (period 12)
    expect(out.every((v, i) => v === Math.fround(a[i]! + bias[i % cols]!))).toBe(true);
    addon.binary(2, a, column, out, 1, cols); // × column (period = all: one chunk)
    expect(out.every((v, i) => v === Math.fround(a[i]! * column[Math.floor(i / cols)]!))).toBe(true);
    addon.unary(4, a, out, 0); // neg
    expect(out.every((v, i) => v === -a[i]!)).toBe(true);
  });

  it('core’s fused lerp runs natively as a + w·(b − a) in float32 JavaScript (with or without an FMA), on 1 and 2 threads, and through tf.lerp’s kernel; lengths are checked', async () => {
    const { lerp, FUSED_KERNELS } = await import('@tikhonov/core');
    await useNativeBackend();
    expect(tf.getBackend()).toBe('native');
    const n = 300_001; // above the threading threshold, not a multiple of the chunk alignment
    const a = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 3);
    const b = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.7));
    const w = Math.fround(1 - 0.999);
    const byHand = (i: number) => Math.fround(a[i]! + Math.fround(w * Math.fround(b[i]! - a[i]!)));
    // a compiler that contracts the multiply-add into an FMA (GCC does where the target has one) rounds once instead of twice
    const fused = (i: number) => Math.fround(a[i]! + w * Math.fround(b[i]! - a[i]!));
    const out = new Float32Array(n);
    for (const threads of [1, 2]) {
      addon.setThreads(threads);
      out.fill(Number.NaN);
      addon.lerp(a, b, out, w);
      const wrong = out.findIndex((v, i) => v !== byHand(i) && v !== fused(i));
      expect(wrong, `${threads} thread(s): first wrong index`).toBe(-1);
    }
    expect(() => addon.lerp(a, b.subarray(1), out, w)).toThrow(/lengths 300001, 300000 and 300001; they must be equal/);
    expect(() => (addon.lerp as (...args: unknown[]) => void)(a, b, out)).toThrow(/takes 4 arguments/);
    // through tfjs: the kernel is registered under core's name, and it is what core's lerp dispatches to
    expect(tf.getKernel(FUSED_KERNELS.lerp, 'native')).toBeDefined();
    const ta = tf.tensor(a.subarray(0, 600), [20, 30]);
    const tb = tf.tensor(b.subarray(0, 600), [20, 30]);
    const before = tf.memory().numTensors;
    const viaCore = lerp(ta, tb, w);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(viaCore.shape).toEqual([20, 30]);
    expect(Array.from(viaCore.dataSync()).every((v, i) => v === byHand(i) || v === fused(i))).toBe(true);
    tf.dispose([ta, tb, viaCore]);
  });

  // A fused optimizer against tfjs's own (core's checkFusedOptimizer: 12 steps, a learning-rate change, a missing
  // gradient, slots, a resume from tfjs's slots), on 1 and 2 threads: no differing value, as many tensors held.
  async function expectTfjsUpdates(label: string, make: { fused: (lr: number) => tf.Optimizer; tfjs: (lr: number) => tf.Optimizer }, seed: number) {
    const { checkFusedOptimizer } = await import('@tikhonov/core/testing');
    for (const threads of [1, 2]) {
      addon.setThreads(threads);
      const report = await checkFusedOptimizer(make, { seed, label: `${label}, ${threads} thread(s)` });
      expect(report.mismatches).toEqual([]);
      expect(report.tensorsHeld.fused).toBe(report.tensorsHeld.tfjs);
    }
  }

  it('core’s fused Adam gives tfjs’s AdamOptimizer’s values and slots bit for bit over 12 steps (a learning-rate change, a missing gradient, 1 and 2 threads), and checkpoints alike', async () => {
    const { FusedAdamOptimizer, FUSED_KERNELS } = await import('@tikhonov/core');
    await useNativeBackend();
    expect(tf.getBackend()).toBe('native');
    expect(tf.getKernel(FUSED_KERNELS.adam, 'native')).toBeDefined();
    await expectTfjsUpdates('adam', { fused: (lr) => new FusedAdamOptimizer(lr, 0.9, 0.999, 1e-7), tfjs: (lr) => tf.train.adam(lr, 0.9, 0.999, 1e-7) }, 3);
  });

  it('core’s fused momentum gives tfjs’s MomentumOptimizer’s values and velocities bit for bit over 12 steps (plain and Nesterov, a learning-rate change, a missing gradient, 1 and 2 threads), and checkpoints alike', async () => {
    const { FusedMomentumOptimizer, FUSED_KERNELS } = await import('@tikhonov/core');
    await useNativeBackend();
    expect(tf.getBackend()).toBe('native');
    expect(tf.getKernel(FUSED_KERNELS.momentum, 'native')).toBeDefined();
    for (const nesterov of [false, true]) {
      await expectTfjsUpdates(`momentum${nesterov ? '-nesterov' : ''}`, { fused: (lr) => new FusedMomentumOptimizer(lr, 0.87, nesterov), tfjs: (lr) => tf.train.momentum(lr, 0.87, nesterov) }, 5);
    }
  });

  it('core’s fused SGD gives tfjs’s SGDOptimizer’s values bit for bit over 12 steps (a learning-rate change, a missing gradient, 1 and 2 threads), and checkpoints alike', async () => {
    const { FusedSgdOptimizer, FUSED_KERNELS } = await import('@tikhonov/core');
    await useNativeBackend();
    expect(tf.getBackend()).toBe('native');
    expect(tf.getKernel(FUSED_KERNELS.sgd, 'native')).toBeDefined();
    await expectTfjsUpdates('sgd', { fused: (lr) => new FusedSgdOptimizer(lr), tfjs: (lr) => tf.train.sgd(lr) }, 9);
  });

  it('core’s max-norm projection in two native passes: a float64 hand computation within 1e-6, units inside the ball bit for bit, NaN kept, the same on 1 and 2 threads', async () => {
    const { FUSED_KERNELS } = await import('@tikhonov/core');
    const { checkMaxNormProjection } = await import('@tikhonov/core/testing');
    await useNativeBackend();
    expect(tf.getBackend()).toBe('native');
    expect(tf.getKernel(FUSED_KERNELS.maxNorm, 'native')).toBeDefined();
    // core's check: a 784×512 kernel (above the threading threshold) against float64, a unit inside the ball, a zero one, a NaN
    const reports = [1, 2].map((threads) => {
      addon.setThreads(threads);
      return checkMaxNormProjection(8);
    });
    for (const report of reports) {
      expect(report.projected).toBeGreaterThan(256);
      expect(report.worst).toBeLessThan(1e-6);
      expect(report.insideChanged).toBe(0);
      expect(report.nanKept).toBe(true);
      expect(report.tensorsAdded).toBe(1);
    }
    expect(reports[1]!.values.findIndex((v, i) => !Object.is(v, reports[0]!.values[i]))).toBe(-1);
    const [rows, cols, c] = [784, 512, 2.4];
    const w = new Float32Array(rows * cols);
    // the entry point checks its lengths and c
    expect(() => addon.maxNormColumns(w, new Float32Array(3), rows, cols, c)).toThrow(/w and out hold 401408 and 3 values but rows·cols is 401408/);
    expect(() => addon.maxNormColumns(w, new Float32Array(w.length), rows, cols, 0)).toThrow(/c must be > 0/);
  });

  it('max-norm with every unit inside the ball hands back the input’s own storage: the same bits, no copy, readable after the input is gone, and a variable assigned it keeps its values; a NaN still turns its whole unit NaN', async () => {
    const { projectMaxNorm } = await import('@tikhonov/core');
    await useNativeBackend();
    const pool = (tf.backend() as NativeBackend).pool;
    const r = new HostRandom(4);
    const [rows, cols, c] = [784, 512, 3];
    // entries of ±0.05: each unit's norm is at most 0.05·√784 = 1.4 < 3
    const w = Float32Array.from({ length: rows * cols }, () => (r.uniform() - 0.5) * 0.1);
    const value = tf.tensor2d(w, [rows, cols]);
    const before = { tensors: tf.memory().numTensors, pooled: pool.bytesPooled };
    const out = projectMaxNorm(value, c);
    expect(tf.memory().numTensors - before.tensors).toBe(1);
    // the output is the input's storage; the array taken for a copy went back to the pool unwritten
    expect(out.dataId).toBe(value.dataId);
    expect(pool.bytesPooled).toBeGreaterThanOrEqual(before.pooled);
    value.dispose();
    const got = out.dataSync();
    expect(got.findIndex((v, i) => !Object.is(v, w[i]))).toBe(-1);
    out.dispose();
    // the constraint plugins' path: variable.assign(projection of the variable), the projection then disposed
    const variable = tf.variable(tf.tensor2d(w, [rows, cols]));
    const tensors = tf.memory().numTensors;
    for (let step = 0; step < 3; step++) tf.tidy(() => variable.assign(projectMaxNorm(variable, c) as tf.Tensor2D));
    expect(tf.memory().numTensors).toBe(tensors);
    const kept = variable.dataSync();
    expect(kept.findIndex((v, i) => !Object.is(v, w[i]))).toBe(-1);
    // one NaN weight, every other unit inside: its unit becomes all NaN (factor NaN), the others keep their bits
    const withNaN = Float32Array.from(w);
    withNaN[3 * cols + 5] = NaN;
    const projected = tf.tidy(() => projectMaxNorm(tf.tensor2d(withNaN, [rows, cols]), c));
    const values = projected.dataSync();
    projected.dispose();
    variable.dispose();
    for (let i = 0; i < rows; i++) {
      expect(Number.isNaN(values[i * cols + 5])).toBe(true);
      expect(Object.is(values[i * cols + 6], w[i * cols + 6])).toBe(true);
    }
  });

  it("maxPool writes each window's maximum, and maxPoolGrad all of dx, whatever it held: each window's dy to its first maximum, added where windows overlap, 0 where none reaches (a hand computation)", () => {
    const base = { batch: 3, inHeight: 9, inWidth: 7, inChannels: 5, dilationHeight: 1, dilationWidth: 1 };
    const cases: Array<[string, ConvGeometryArg]> = [
      // disjoint windows (written once), the last row and column reached by none
      ['2×2 stride 2, valid', { ...base, outHeight: 4, outWidth: 3, outChannels: 5, filterHeight: 2, filterWidth: 2, strideHeight: 2, strideWidth: 2, padTop: 0, padLeft: 0 }],
      // disjoint, with gaps between the windows: 1×1 windows of stride 3 × 2
      ['1×1 stride 3 × 2', { ...base, outHeight: 3, outWidth: 4, outChannels: 5, filterHeight: 1, filterWidth: 1, strideHeight: 3, strideWidth: 2, padTop: 0, padLeft: 0 }],
      // overlapping windows, padded ('same')
      ['3×3 stride 1, same', { ...base, outHeight: 9, outWidth: 7, outChannels: 5, filterHeight: 3, filterWidth: 3, strideHeight: 1, strideWidth: 1, padTop: 1, padLeft: 1 }],
      // 2×2 windows tiling the input exactly (the kernel's one-loop path), 19 channels: two 8-wide vectors and a tail
      ['2×2 stride 2 tiling 8×6', { ...base, inHeight: 8, inWidth: 6, inChannels: 19, outHeight: 4, outWidth: 3, outChannels: 19, filterHeight: 2, filterWidth: 2, strideHeight: 2, strideWidth: 2, padTop: 0, padLeft: 0 }],
    ];
    for (const [name, g] of cases) {
      const { batch, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = g;
      // values rounded to tenths, so that windows hold ties (the first maximum, in window order, takes the gradient),
      // and every 13th value NaN, every 11th −inf: a window of only those routes nothing, as on tfjs-cpu
      const x = Float32Array.from({ length: batch * H * W * C }, (_, i) => (i % 13 === 0 ? Number.NaN : i % 11 === 0 ? -Infinity : Math.round(Math.sin(i * 0.71) * 10) / 10));
      // and the first image's top-left 2×2 pixels only NaN (left) and −inf (right), all channels
      for (const [h, w, v] of [[0, 0, Number.NaN], [1, 0, Number.NaN], [0, 1, -Infinity], [1, 1, -Infinity]] as const) x.fill(v, (h * W + w) * C, (h * W + w + 1) * C);
      const dy = Float32Array.from({ length: batch * OH * OW * C }, (_, i) => 1 + (i % 17));
      const want = new Float64Array(x.length);
      // the forward pass too: each window's maximum, −inf where it holds only NaN and −inf
      const wantOut = new Float64Array(dy.length);
      for (let b = 0; b < batch; b++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) for (let c = 0; c < C; c++) {
        // the first pixel strictly greater than everything before it, starting from −inf (NaN never is)
        let at = -1;
        for (let fh = 0; fh < g.filterHeight; fh++) for (let fw = 0; fw < g.filterWidth; fw++) {
          const h = oh * g.strideHeight - g.padTop + fh, w = ow * g.strideWidth - g.padLeft + fw;
          if (h < 0 || h >= H || w < 0 || w >= W) continue;
          const i = ((b * H + h) * W + w) * C + c;
          if (x[i]! > (at < 0 ? -Infinity : x[at]!)) at = i;
        }
        if (at >= 0) want[at]! += dy[((b * OH + oh) * OW + ow) * C + c]!;
        wantOut[((b * OH + oh) * OW + ow) * C + c] = at >= 0 ? x[at]! : -Infinity;
      }
      for (const threads of [1, 2]) {
        addon.setThreads(threads);
        const dx = new Float32Array(x.length).fill(Number.NaN);
        addon.maxPoolGrad(x, dy, dx, g);
        expect(Array.from(dx), `${name}, ${threads} thread(s)`).toEqual(Array.from(want));
        const out = new Float32Array(dy.length).fill(Number.NaN);
        addon.maxPool(x, out, g);
        expect(Array.from(out), `${name}, forward, ${threads} thread(s)`).toEqual(Array.from(wantOut));
      }
    }
    addon.setThreads(2);
  });

  it('convolution and pooling entry points check buffers and geometry', () => {
    // 1 image 4×4×2, 3×3 filter to 3 channels, stride 1, no padding: 2×2×3 out
    const g = { batch: 1, inHeight: 4, inWidth: 4, inChannels: 2, outHeight: 2, outWidth: 2, outChannels: 3, filterHeight: 3, filterWidth: 3, strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1, padTop: 0, padLeft: 0 };
    const x = new Float32Array(32);
    const w = new Float32Array(54);
    expect(() => addon.conv2d(x, w, new Float32Array(11), g)).toThrow(/out holds 11 values but the geometry needs 12/);
    expect(() => addon.conv2d(new Float32Array(31), w, new Float32Array(12), g)).toThrow(/x holds 31 values but the geometry needs 32/);
    expect(() => addon.conv2dBackpropFilter(x, new Float32Array(12), new Float32Array(53), g)).toThrow(/dfilter holds 53/);
    expect(() => addon.conv2dBackpropInput(new Float32Array(12), w, new Float32Array(12), g)).toThrow(/dx holds 12/);
    expect(() => addon.conv2d(x, w, new Float32Array(12), { ...g, strideHeight: 0 })).toThrow(/strideHeight must be a positive integer/);
    expect(() => addon.conv2d(x, w, new Float32Array(12), { ...g, padTop: -1 })).toThrow(/padTop must be a non-negative integer/);
    expect(() => addon.conv2d(x, w, new Float32Array(12), { ...g, batch: undefined } as never)).toThrow(/batch must be a number/);
    expect(() => addon.maxPool(x, new Float32Array(12), g)).toThrow(/inChannels must equal outChannels/);
    // a geometry whose windows run past the input reads only inside it (padding is zero)
    const out = new Float32Array(12);
    expect(() => addon.conv2d(x, w, out, { ...g, padTop: 5, padLeft: 5 })).not.toThrow();
    expect(Array.from(out)).toEqual(new Array(12).fill(0));
  });

  it('conv2d equals a direct float64 sum (stride 2, padding, dilation 2)', () => {
    const g = { batch: 2, inHeight: 7, inWidth: 6, inChannels: 2, outHeight: 3, outWidth: 3, outChannels: 3, filterHeight: 3, filterWidth: 2, strideHeight: 2, strideWidth: 2, dilationHeight: 2, dilationWidth: 1, padTop: 1, padLeft: 0 };
    const x = Float32Array.from({ length: 2 * 7 * 6 * 2 }, (_, i) => Math.sin(i));
    const w = Float32Array.from({ length: 3 * 2 * 2 * 3 }, (_, i) => Math.cos(i));
    const out = new Float32Array(2 * 3 * 3 * 3);
    addon.conv2d(x, w, out, g);
    for (let b = 0; b < 2; b++) for (let oh = 0; oh < 3; oh++) for (let ow = 0; ow < 3; ow++) for (let co = 0; co < 3; co++) {
      let s = 0;
      for (let fh = 0; fh < 3; fh++) for (let fw = 0; fw < 2; fw++) {
        const h = oh * 2 - 1 + fh * 2;
        const v = ow * 2 + fw;
        if (h < 0 || h >= 7 || v >= 6) continue;
        for (let c = 0; c < 2; c++) s += x[((b * 7 + h) * 6 + v) * 2 + c]! * w[((fh * 2 + fw) * 2 + c) * 3 + co]!;
      }
      expect(out[((b * 3 + oh) * 3 + ow) * 3 + co]).toBeCloseTo(s, 5);
    }
  });

  it('convolutions and their gradients equal float64 sums, direct (patch ≤ 32), oneDNN and im2col + SGEMM, on 1 and 2 threads', () => {
    const base = { strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1, padTop: 0, padLeft: 0 };
    const cases: Array<[string, ConvGeometryArg]> = [
      // first layer on one channel: 9 taps, direct; 11 output channels (not a multiple of 8), rows of 26 (not of 4), big enough to split
      ['3×3 on 1 channel, valid', { ...base, batch: 9, inHeight: 28, inWidth: 28, inChannels: 1, outHeight: 26, outWidth: 26, outChannels: 11, filterHeight: 3, filterWidth: 3 }],
      // 27 taps, padding (border pixels gathered), stride 2, dilation 2 in height
      ['3×3 on 3 channels, padded, strided, dilated', { ...base, batch: 8, inHeight: 15, inWidth: 14, inChannels: 3, outHeight: 7, outWidth: 7, outChannels: 16, filterHeight: 3, filterWidth: 3, strideHeight: 2, strideWidth: 2, dilationHeight: 2, padTop: 1, padLeft: 1 }],
      // 72 taps: im2col + SGEMM over the whole batch
      ['3×3 on 8 channels, padded', { ...base, batch: 6, inHeight: 10, inWidth: 9, inChannels: 8, outHeight: 10, outWidth: 9, outChannels: 5, filterHeight: 3, filterWidth: 3, padTop: 1, padLeft: 1 }],
      // 144 taps, 30 images: on 2 threads, im2col + SGEMM chunk by chunk of 7 images (5 chunks)
      ['3×3 on 16 channels, 30 images', { ...base, batch: 30, inHeight: 16, inWidth: 16, inChannels: 16, outHeight: 16, outWidth: 16, outChannels: 24, filterHeight: 3, filterWidth: 3, padTop: 1, padLeft: 1 }],
      // 'same' with stride 2 on an even size: no padding at the top and left, one row and column at the bottom and right
      ['3×3 stride 2, padded only at the bottom and right', { ...base, batch: 4, inHeight: 16, inWidth: 16, inChannels: 8, outHeight: 8, outWidth: 8, outChannels: 8, filterHeight: 3, filterWidth: 3, strideHeight: 2, strideWidth: 2 }],
      // 'valid' with stride 2 leaving the last row and column unread (negative padding at the bottom: oneDNN is not asked)
      ['3×3 stride 2, valid, last row unread', { ...base, batch: 4, inHeight: 16, inWidth: 16, inChannels: 8, outHeight: 7, outWidth: 7, outChannels: 8, filterHeight: 3, filterWidth: 3, strideHeight: 2, strideWidth: 2 }],
    ];
    // where the addon has oneDNN, every case but the direct ones runs through it and through im2col + SGEMM
    const dnnl = addon.setDnnl(true);
    if (!dnnl) console.warn('this addon was built without oneDNN (libdnnl-dev): only the im2col + SGEMM convolutions are checked');
    for (const [name, g] of cases) {
      const { x, w, dy, out64, dw64, dx64 } = convolutionCase(g);
      // float32 sums of up to 30 · 16 · 16 = 7 680 products (the last case's filter gradient)
      for (const path of dnnl ? ['oneDNN', 'im2col'] : ['im2col']) for (const threads of [1, 2]) {
        addon.setDnnl(path === 'oneDNN');
        addon.setThreads(threads);
        const out = new Float32Array(dy.length), dw = new Float32Array(w.length), dx = new Float32Array(x.length);
        addon.conv2d(x, w, out, g);
        addon.conv2dBackpropFilter(x, dy, dw, g);
        addon.conv2dBackpropInput(dy, w, dx, g);
        const where = `${name}, ${path}, ${threads} thread(s)`;
        expect(worst(out, out64), `${where}, conv2d`).toBeLessThan(1e-4);
        expect(worst(dw, dw64), `${where}, filter gradient`).toBeLessThan(1e-4);
        expect(worst(dx, dx64), `${where}, input gradient`).toBeLessThan(1e-4);
      }
    }
    addon.setDnnl(true);
    addon.setThreads(2);
  });

  it("with oneDNN, first layers' filter gradients (patches of ≤ 32 taps) go to it: other bits than the direct kernel's, within 1e-4 of float64", () => {
    if (!dnnlOrSkip(addon, 'the small-patch routing test')) return;
    addon.setThreads(2);
    const base = { strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1, filterHeight: 3, filterWidth: 3 };
    // The forward passes are not checked this way: oneDNN's and the direct kernel's each sum a pixel's taps in
    // order with fused multiply-adds, and came out bit for bit the same (the 27-tap one does run in oneDNN: 0.68–0.84
    // ms against 1.2–2.0 for a 64-image batch). A filter gradient sums over images and pixels, in another order.
    const cases = [
      ['one channel, 9 taps', { ...base, batch: 8, inHeight: 14, inWidth: 14, inChannels: 1, outHeight: 12, outWidth: 12, outChannels: 16, padTop: 0, padLeft: 0 }],
      ['three channels, 27 taps, padded', { ...base, batch: 8, inHeight: 12, inWidth: 12, inChannels: 3, outHeight: 12, outWidth: 12, outChannels: 16, padTop: 1, padLeft: 1 }],
    ] as const;
    for (const [name, g] of cases) {
      const { x, w, dy, dw64 } = convolutionCase(g);
      // setDnnl(false) leaves these patches to the direct kernel
      const [viaDnnl, direct] = [true, false].map((on) => {
        addon.setDnnl(on);
        const dw = new Float32Array(w.length);
        addon.conv2dBackpropFilter(x, dy, dw, g);
        return dw;
      }) as [Float32Array, Float32Array];
      addon.setDnnl(true);
      expect(worst(viaDnnl, dw64), `${name}, filter gradient`).toBeLessThan(1e-4);
      expect(viaDnnl.every((v, i) => Object.is(v, direct[i])), `${name}: the filter gradient went to oneDNN`).toBe(false);
    }
  });

  it("oneDNN's Winograd kernels: the forward pass and a 'same' input gradient through them, within 1e-4 of float64 sums; a 'valid' input gradient and every filter gradient stay direct, bit for bit", () => {
    if (!dnnlOrSkip(addon, 'the Winograd test')) return;
    const base = { strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1, filterHeight: 3, filterWidth: 3 };
    const cases = [
      ["'same', 16 → 32 channels", { ...base, batch: 6, inHeight: 12, inWidth: 11, inChannels: 16, outHeight: 12, outWidth: 11, outChannels: 32, padTop: 1, padLeft: 1 }, true],
      ["'valid', 32 → 16 channels", { ...base, batch: 5, inHeight: 13, inWidth: 13, inChannels: 32, outHeight: 11, outWidth: 11, outChannels: 16, padTop: 0, padLeft: 0 }, false],
    ] as const;
    // oneDNN 2.6 has Winograd kernels for AVX-512 only: elsewhere the switch must change nothing
    const available = addon.setDnnlWinograd(true);
    if (!available) console.warn("this CPU has no oneDNN Winograd kernels: checking that the switch leaves every convolution direct");
    for (const [name, g, sameSize] of cases) {
      const { x, w, dy, out64, dw64, dx64 } = convolutionCase(g);
      const runs = [true, false].map((on) => {
        addon.setDnnlWinograd(on);
        const out = new Float32Array(dy.length), dw = new Float32Array(w.length), dx = new Float32Array(x.length);
        addon.conv2d(x, w, out, g);
        addon.conv2dBackpropFilter(x, dy, dw, g);
        addon.conv2dBackpropInput(dy, w, dx, g);
        return { out, dw, dx };
      });
      const [winograd, direct] = runs as [typeof runs[0], typeof runs[0]];
      for (const [kind, got, want] of [['conv2d', winograd.out, out64], ['input gradient', winograd.dx, dx64], ['filter gradient', winograd.dw, dw64]] as const) {
        expect(worst(got, want), `${name}, ${kind}`).toBeLessThan(1e-4);
      }
      const sameBits = (a: Float32Array, b: Float32Array) => a.every((v, i) => Object.is(v, b[i]));
      // another algorithm rounds otherwise: the forward pass (and a 'same' input gradient) differ from direct's in some bits
      expect(sameBits(winograd.out, direct.out), `${name}: the forward pass ${available ? 'went' : 'did not go'} to Winograd`).toBe(!available);
      expect(sameBits(winograd.dx, direct.dx), `${name}: the input gradient ${available && sameSize ? 'went' : 'did not go'} to Winograd`).toBe(!(available && sameSize));
      expect(sameBits(winograd.dw, direct.dw), `${name}: the filter gradient stayed direct`).toBe(true);
    }
    addon.setDnnlWinograd(true);
  });

  it('oneDNN convolutions stay right past its cache of 64 primitives: 70 batch sizes, then the first again, each equal to im2col + SGEMM', () => {
    if (!dnnlOrSkip(addon, 'the oneDNN cache test')) return;
    addon.setThreads(2);
    const geometry = (batch: number) => ({ batch, inHeight: 6, inWidth: 6, inChannels: 8, outHeight: 6, outWidth: 6, outChannels: 16, filterHeight: 3, filterWidth: 3, strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1 });
    const w = Float32Array.from({ length: 9 * 8 * 16 }, (_, i) => Math.cos(i * 0.7));
    const worst = (batch: number) => {
      const g = geometry(batch);
      const x = Float32Array.from({ length: batch * 6 * 6 * 8 }, (_, i) => Math.sin(i * 0.29 + batch));
      const [viaDnnl, viaIm2col] = [true, false].map((on) => {
        addon.setDnnl(on);
        const out = new Float32Array(batch * 6 * 6 * 16);
        addon.conv2d(x, w, out, g);
        return out;
      });
      addon.setDnnl(true);
      return viaDnnl!.reduce((m, v, i) => Math.max(m, Math.abs(v - viaIm2col![i]!) / (1 + Math.abs(viaIm2col![i]!))), 0);
    };
    // batches 1–70 build 70 forward primitives, so the first ones are dropped and batch 1's is built again
    for (let batch = 1; batch <= 70; batch++) expect(worst(batch), `batch ${batch}`).toBeLessThan(1e-5);
    expect(worst(1), 'batch 1 again, rebuilt').toBeLessThan(1e-5);
  });

  it('SGEMM split over the pool in bands of rows or of columns equals a float64 reference, all transposes, 1–3 threads', () => {
    // 200×37: bands of rows; 8×600: too few rows, and 128×400: a batch against a wide layer, bands of columns (all above the size that is split)
    for (const [m, n, k] of [[200, 37, 300], [8, 600, 300], [128, 400, 150]] as const) {
      const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i * 0.31));
      const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.17));
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const want = float64Product(a, b, m, n, k, ta, tb);
        for (const threads of [1, 2, 3]) {
          addon.setThreads(threads);
          const out = new Float32Array(m * n);
          addon.gemmBatched(a, b, out, 1, m, n, k, ta, tb, 0, 0);
          const worst = Math.max(...Array.from(out, (v, i) => Math.abs(v - want[i]!) / (1 + Math.abs(want[i]!))));
          expect(worst, `${m}×${n}×${k} tA=${ta} tB=${tb}, ${threads} thread(s)`).toBeLessThan(1e-5);
        }
      }
    }
    addon.setThreads(2);
    expect(() => addon.setThreads(65)).toThrow(/threads must be at most 64, got 65/);
  });

  it('SGEMM through oneDNN (large products, a short inner dimension) and through OpenBLAS (small ones) equals a float64 reference, all transposes, 1–3 threads', () => {
    const dnnl = addon.setDnnlGemm(true);
    if (!dnnl) console.warn('this addon was built without oneDNN (libdnnl-dev): every product is checked on OpenBLAS only');
    // the first three go to oneDNN where it is built in: 2.7 M multiply-adds banded by rows; 2.4 M with too few
    // rows, banded by columns; an inner dimension of 10 (a 10-class layer's input gradient). The last two stay
    // OpenBLAS's: 0.66 M (a 10-unit output), 0.26 M
    const shapes = [[130, 300, 70, 'onednn'], [8, 600, 500, 'onednn'], [128, 512, 10, 'onednn'], [128, 10, 512, 'openblas'], [32, 64, 128, 'openblas']] as const;
    for (const [m, n, k, library] of shapes) {
      addon.setDnnlGemm(true);
      expect(addon.gemmLibrary(m, n, k), `${m}×${n}×${k}`).toBe(dnnl ? library : 'openblas');
      const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i * 0.37));
      const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.23));
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const want = float64Product(a, b, m, n, k, ta, tb);
        // the same product with oneDNN switched off is OpenBLAS's whatever its shape
        for (const on of dnnl ? [true, false] : [false]) for (const threads of [1, 2, 3]) {
          addon.setDnnlGemm(on);
          addon.setThreads(threads);
          const out = new Float32Array(m * n).fill(Number.NaN);
          addon.gemmBatched(a, b, out, 1, m, n, k, ta, tb, 0, 0);
          const worst = Math.max(...Array.from(out, (v, i) => Math.abs(v - want[i]!) / (1 + Math.abs(want[i]!))));
          expect(worst, `${m}×${n}×${k} tA=${ta} tB=${tb}, ${addon.gemmLibrary(m, n, k)}, ${threads} thread(s)`).toBeLessThan(1e-5);
        }
      }
    }
    addon.setDnnlGemm(true);
    addon.setThreads(2);
    expect(addon.gemmLibrary(128, 512, 784)).toBe(dnnl ? 'onednn' : 'openblas');
    addon.setDnnlGemm(false);
    expect(addon.gemmLibrary(128, 512, 784), 'switched off').toBe('openblas');
    addon.setDnnlGemm(true);
    expect(() => addon.gemmLibrary(0, 1, 1)).toThrow(/m must be a positive integer/);
    expect(() => (addon.setDnnlGemm as (on: unknown) => string)(1)).toThrow(/setDnnlGemm takes one boolean/);
  });

  it('a large SGEMM (137 M multiply-adds, uneven bands) equals a float64 reference at sampled entries, all transposes, 1–3 threads, and the pool works after it', () => {
    const [m, n, k] = [520, 516, 512];
    const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i * 0.31));
    const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.17));
    // 300 entries checked against float64 dot products (the whole reference would take seconds)
    const picks = Array.from({ length: 300 }, (_, t) => [(t * 7919) % m, (t * 104729) % n] as const);
    const out = new Float32Array(m * n);
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      for (const threads of [1, 2, 3]) {
        addon.setThreads(threads);
        out.fill(Number.NaN);
        addon.gemmBatched(a, b, out, 1, m, n, k, ta, tb, 0, 0);
        let worst = 0;
        for (const [i, j] of picks) {
          let sum = 0;
          for (let p = 0; p < k; p++) sum += a[ta ? p * m + i : i * k + p]! * b[tb ? j * k + p : p * n + j]!;
          worst = Math.max(worst, Math.abs(out[i * n + j]! - sum) / (1 + Math.abs(sum)));
        }
        expect(worst, `tA=${ta} tB=${tb}, ${threads} thread(s)`).toBeLessThan(1e-5);
        expect(out.every(Number.isFinite), 'every entry written').toBe(true);
        // the pool's own loops still run (and split) right after
        const x = Float32Array.from({ length: 200_000 }, (_, i) => Math.sin(i));
        const relu = new Float32Array(x.length);
        addon.unary(0, x, relu, 0);
        expect(relu.every((v, i) => v === Math.max(x[i]!, 0))).toBe(true);
      }
    }
    addon.setThreads(2);
  });

  it('computes what a float64 reference computes', () => {
    const x = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i));
    const y = Float32Array.from({ length: 12 }, (_, i) => Math.cos(i));
    const out = new Float32Array(9);
    addon.gemmBatched(x, y, out, 1, 3, 3, 4, false, true, 0, 0); // x (3×4) · yᵀ (y stored 3×4)
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += x[i * 4 + k]! * y[j * 4 + k]!;
      expect(out[i * 3 + j]).toBeCloseTo(s, 5);
    }
  });
});
