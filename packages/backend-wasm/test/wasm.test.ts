import * as tf from '@tensorflow/tfjs-core';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { dataset, nn, softmaxCrossEntropy, Trainer, type Module } from '@tikhonov/core';
import { browserBundle, checkBackend } from '@tikhonov/core/testing';
import { loadDigits } from '@tikhonov/datasets';
import { useWasmBackend } from '@tikhonov/backend-wasm';
import { useTfjsOwnKernels } from '../src/register.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Runs `f` on cpu and on wasm; returns both results as plain arrays. */
async function onBoth(f: () => tf.Tensor | tf.Tensor[]): Promise<[Float32Array[], Float32Array[]]> {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    return tf.tidy(() => [f()].flat().map((t) => t.dataSync() as Float32Array));
  };
  return [await run('cpu'), await run('wasm')];
}

/** Largest |a − b| over all entries, relative to the largest |b| (or to `floor`, if larger). */
function gap(a: Float32Array[], b: Float32Array[], floor = 1e-6): number {
  let worst = 0;
  for (const [i, x] of a.entries()) {
    const y = b[i]!;
    expect(x.length).toBe(y.length);
    let scale = floor;
    for (const v of y) scale = Math.max(scale, Math.abs(v));
    for (let j = 0; j < x.length; j++) worst = Math.max(worst, Math.abs(x[j]! - y[j]!) / scale);
  }
  return worst;
}

describe('useWasmBackend', () => {
  it('finds the binaries from any working directory and reports SIMD, one thread and why', async () => {
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      const info = await useWasmBackend();
      expect(info.backend).toBe('wasm');
      expect(info.simd).toBe(true); // Node 20 has WebAssembly SIMD
      expect(info.threads).toBe(1);
      expect(info.notes.join(' ')).toMatch(/disables wasm threads in Node/);
      expect(info.binary).toMatch(/tfjs-backend-wasm\/dist\/tfjs-backend-wasm-simd\.wasm$/);
      expect(existsSync(info.binary)).toBe(true);
      expect(info.addedKernels).toEqual(['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'UnsortedSegmentSum']);
      expect(info.replacedKernels).toEqual(['MaxPoolGrad', 'Conv2DBackpropInput']);
    } finally {
      process.chdir(cwd);
    }
  });

  it('refuses what it cannot do, naming the option', async () => {
    await expect(useWasmBackend({ threads: 2 })).rejects.toThrow(/threads = 2 is not available in Node.*Allowed: 1/);
    await expect(useWasmBackend({ paths: 'no-slash' })).rejects.toThrow(/paths/);
    await expect(useWasmBackend({ threads: 0 })).rejects.toThrow(/threads/);
    // once started, where the binaries are can no longer change
    await expect(useWasmBackend({ paths: '/elsewhere/' })).rejects.toThrow(/already started/);
    expect((await useWasmBackend()).backend).toBe('wasm');
  });
});

describe('in a browser bundle', () => {
  it('the built package bundles for the browser with no Node built-in (its Node-only lookup of the .wasm files sits behind the browser condition)', async () => {
    const code = await browserBundle("import { useWasmBackend } from '@tikhonov/backend-wasm'; console.log(useWasmBackend);", new URL('..', import.meta.url).pathname);
    // the package's own code asks for no Node module (tfjs-backend-wasm's worker glue holds a guarded require in a string)
    expect(code).not.toMatch(/from\s*"node:|import\("node:/);
    expect(code).toContain("give option 'paths'");
  });
});

describe('the wasm backend trains', () => {
  it('passes checkBackend: kernels and gradients match cpu, and so does a training run', async () => {
    const report = await checkBackend('wasm');
    console.log(report.cases.map((c) => `${c.label}: ${c.maxError.toExponential(1)}`).join('\n'), `\ntraining run gap ${report.trainingGap.toExponential(1)}`);
    expect(report.cases.length).toBeGreaterThan(30);
  });

  it('max-pool gradients reach all-negative windows (tfjs-wasm 4.22 drops them)', async () => {
    const x = tf.tensor4d([0.1, 0.9, 0.3, 0.2, 0.5, 0.4, 0.7, 0.6, -0.5, -0.1, -0.3, -0.2, -0.9, -0.8, -0.4, -0.6], [1, 4, 4, 1]);
    const [cpu, wasm] = await onBoth(() => tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(x));
    // the maxima: 0.9 (index 1), 0.7 (6), −0.1 (9), −0.2 (11)
    expect(Array.from(cpu[0]!)).toEqual([0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0]);
    expect(Array.from(wasm[0]!)).toEqual(Array.from(cpu[0]!));
    x.dispose();
  });

  it("a float32 → bool cast is x ≠ 0, as on cpu (tfjs-wasm 4.22's own turns 0.5 into false)", async () => {
    const values = [0, 0.5, -0.25, 2, NaN, -0, Infinity];
    const cast = () => tf.cast(tf.tensor1d(values), 'bool');
    const [cpu, wasm] = await onBoth(cast);
    expect(Array.from(cpu[0]!)).toEqual([0, 1, 1, 1, 1, 0, 1]);
    expect(Array.from(wasm[0]!)).toEqual(Array.from(cpu[0]!));
    // tfjs's own kernel, for the record: if this starts failing, tfjs fixed it and the wrapper can go
    await tf.setBackend('wasm');
    useTfjsOwnKernels(true);
    try {
      expect(Array.from(cast().dataSync())).not.toEqual(Array.from(cpu[0]!));
    } finally {
      useTfjsOwnKernels(false);
    }
  });

  it("a matmul on a reshaped view of a matrix already used as a right operand is right (tfjs-wasm 4.22 reuses the first shape's XNNPACK operator and corrupts its heap)", async () => {
    await useWasmBackend();
    const w = tf.variable(tf.randomNormal([64, 10], 0, 1, 'float32', 3));
    const x = tf.randomNormal([32, 64], 0, 1, 'float32', 4);
    const values = Array.from(w.dataSync());
    const squares = values.reduce((s, v) => s + v * v, 0);
    for (let i = 0; i < 20; i++) {
      const [dense, dot] = tf.tidy(() => [tf.matMul(x, w).dataSync()[0]!, tf.matMul(tf.reshape(w, [1, -1]), tf.reshape(w, [-1, 1])).dataSync()[0]!]);
      expect(dot).toBeCloseTo(squares, 2);
      expect(Number.isFinite(dense)).toBe(true);
    }
    tf.dispose([w, x]);
  });

  it('UnsortedSegmentSum: sums rows per segment and drops ids outside [0, n)', async () => {
    const x = tf.tensor3d(Array.from({ length: 24 }, (_, i) => i * 0.5 - 3), [6, 2, 2]);
    const ids = tf.tensor1d([2, 0, 2, -1, 5, 0], 'int32');
    const [cpu, wasm] = await onBoth(() => tf.unsortedSegmentSum(x, ids, 4));
    expect(gap(wasm, cpu)).toBe(0);
    // independent: segment 0 = rows 1 and 5, segment 2 = rows 0 and 2; ids 5 and −1 dropped; 1 and 3 empty
    const rows = Array.from({ length: 6 }, (_, r) => Array.from({ length: 4 }, (_, j) => (r * 4 + j) * 0.5 - 3));
    const sum = (a: number[], b: number[]) => a.map((v, j) => v + b[j]!);
    expect(Array.from(wasm[0]!)).toEqual([...sum(rows[1]!, rows[5]!), 0, 0, 0, 0, ...sum(rows[0]!, rows[2]!), 0, 0, 0, 0]);
    tf.dispose([x, ids]);
  });

  it("the issue's CNN (conv3×3×32, pool, conv3×3×64, pool, dense 128, dense 10 on 28×28×1): gradients match cpu", async () => {
    const make = () => nn.sequential([nn.conv2d(32, 3, { activation: 'relu' }), nn.maxPool2d(2), nn.conv2d(64, 3, { activation: 'relu' }), nn.maxPool2d(2), nn.flatten(), nn.dense(128, { activation: 'relu' }), nn.dense(10)]);
    const x = tf.randomNormal([2, 28, 28, 1], 0, 1, 'float32', 7);
    const y = tf.tensor1d([3, 8], 'int32');
    const grads = async (backend: string) => {
      await tf.setBackend(backend);
      const t = new Trainer({ model: make(), loss: 'softmaxCrossEntropy', optimizer: 'sgd', seed: 3, progress: false });
      const model = t.build([28, 28, 1]);
      const { grads } = tf.variableGrads(() => softmaxCrossEntropy(model.forward(x, { training: true }) as tf.Tensor, y));
      const out: Record<string, Float32Array> = {};
      for (const p of model.params) out[p.name] = grads[p.variable.name]!.dataSync() as Float32Array;
      tf.dispose(grads);
      t.dispose();
      return out;
    };
    const cpu = await grads('cpu');
    const wasm = await grads('wasm');
    expect(Object.keys(wasm)).toEqual(Object.keys(cpu));
    for (const name of Object.keys(cpu)) {
      const e = gap([wasm[name]!], [cpu[name]!]);
      expect(e, name).toBeLessThan(1e-4);
    }
    tf.dispose([x, y]);
  });

  it('every nn module, forward and backward, matches cpu on wasm', async () => {
    const { activationNames } = nn;
    const cases: Array<{ name: string; make: () => Module; x: () => tf.Tensor; loss?: Record<string, 'mse'> }> = [
      // dense with every activation, one after another
      { name: 'dense × activations', make: () => nn.sequential([...activationNames.map((a) => nn.dense(6, { activation: a })), nn.dense(3)]), x: () => tf.randomNormal([5, 7], 0, 1, 'float32', 1) },
      {
        name: 'conv2d (stride 2, same) → batchNorm → relu → avgPool2d → maxPool2d (overlapping, same) → flatten → dense',
        make: () => nn.sequential([nn.conv2d(4, 3, { strides: 2, padding: 'same' }), nn.batchNorm(), nn.relu(), nn.avgPool2d(2), nn.maxPool2d(2, { strides: 1, padding: 'same' }), nn.flatten(), nn.dense(3)]),
        x: () => tf.randomNormal([3, 9, 9, 2], 0, 1, 'float32', 2),
      },
      // (conv2d with dilation > 1 is left out: tfjs has no gradient for it on any backend; checkBackend compares its forward)
      { name: 'embedding → flatten → dense', make: () => nn.sequential([nn.embedding(11, 4), nn.flatten(), nn.dense(2)]), x: () => tf.tensor2d([[1, 4, 4, 10], [0, 2, 9, 4]], [2, 4], 'int32') },
      { name: 'multiHead (dense trunk, two heads), softmax head', make: () => nn.multiHead(nn.dense(6, { activation: 'tanh' }), { a: nn.dense(2), b: nn.sequential([nn.dense(3), nn.softmax()]) }), x: () => tf.randomNormal([4, 5], 0, 1, 'float32', 4), loss: { a: 'mse', b: 'mse' } },
    ];
    for (const c of cases) {
      const grads = async (backend: string) => {
        await tf.setBackend(backend);
        const x = c.x();
        // the trainer only builds the model here (seeded init); the loss below is the test's own
        const t = new Trainer({ model: c.make(), loss: c.loss ?? 'mse', optimizer: 'sgd', seed: 5, progress: false });
        const model = t.build(x.shape.slice(1));
        const { value, grads: g } = tf.variableGrads(() => {
          const out = model.forward(x, { training: true });
          const parts = out instanceof tf.Tensor ? [out] : Object.values(out as Record<string, tf.Tensor>);
          // a loss that weighs every output differently, so every gradient path differs
          return tf.addN(parts.map((o) => tf.sum(tf.mul(tf.square(o), tf.add(tf.reshape(tf.range(0, o.size, 1, 'float32'), o.shape), 1))))) as tf.Scalar;
        });
        const result: Record<string, Float32Array> = { loss: value.dataSync() as Float32Array };
        // params without a gradient (batchNorm's moving statistics) are skipped on both backends alike
        for (const p of model.params) if (g[p.variable.name]) result[p.name] = g[p.variable.name]!.dataSync() as Float32Array;
        tf.dispose([x, value, g]);
        t.dispose();
        return result;
      };
      const cpu = await grads('cpu');
      const wasm = await grads('wasm');
      expect(Object.keys(wasm), c.name).toEqual(Object.keys(cpu));
      expect(Object.keys(cpu).length, c.name).toBeGreaterThan(2);
      // a gradient that is zero in exact arithmetic (a conv bias before batchNorm) is float noise on
      // both backends: it is compared against the case's largest gradient instead of its own
      const largest = Math.max(...Object.values(cpu).map((v) => gap([v], [new Float32Array(v.length)])));
      for (const name of Object.keys(cpu)) expect(gap([wasm[name]!], [cpu[name]!], 1e-3 * largest), `${c.name}: ${name}`).toBeLessThan(1e-4);
    }
  });

  it('trains a CNN on digits (28×28 upsampled) with flat tensor counts', async () => {
    await useWasmBackend();
    const { data } = loadDigits();
    const images = tf.tidy(() => tf.image.resizeBilinear(tf.reshape(data.x as tf.Tensor, [-1, 8, 8, 1]) as tf.Tensor4D, [28, 28]));
    const train = dataset.fromTensors(images, data.y as tf.Tensor);
    const t = new Trainer({
      model: nn.sequential([nn.conv2d(8, 3, { activation: 'relu' }), nn.maxPool2d(2), nn.conv2d(16, 3, { activation: 'relu' }), nn.maxPool2d(2), nn.flatten(), nn.dense(10)]),
      loss: 'softmaxCrossEntropy',
      optimizer: { name: 'adam', learningRate: 0.01 },
      seed: 0,
      progress: false,
    });
    const before0 = (await t.evaluate(train)).accuracy!;
    await t.fit(train, { epochs: 1, batchSize: 64 });
    const before = tf.memory().numTensors;
    // the composed kernels' intermediates live only on the wasm heap: count those too
    const heapBefore = tf.backend().numDataIds();
    await t.fit(train, { epochs: 2, batchSize: 64 });
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.backend().numDataIds()).toBe(heapBefore);
    const after = (await t.evaluate(train)).accuracy!;
    console.log(`digits CNN on wasm: accuracy ${before0.toFixed(3)} → ${after.toFixed(3)} after 3 epochs`);
    expect(after).toBeGreaterThan(0.9);
    t.dispose();
    tf.dispose([images]);
  });
});
