import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { nn, Trainer } from '@tikhonov/core';
import { checkBackend } from '@tikhonov/core/testing';
import { loadDigits } from '@tikhonov/datasets';
import { loadAddon, nativeKernels, useNativeBackend } from '@tikhonov/backend-native';

afterAll(async () => {
  await tf.setBackend('cpu');
});

// Without OpenBLAS at build time there is no addon: say so and skip (CI installs it).
let unavailable: string | undefined;
try {
  loadAddon();
} catch (error) {
  unavailable = (error as Error).message;
  console.warn(`skipping @tikhonov/backend-native tests: ${unavailable}`);
}

describe.skipIf(unavailable !== undefined)('the native backend', () => {
  it('starts, reports OpenBLAS and its native kernels', async () => {
    const info = await useNativeBackend({ threads: 2 });
    expect(info.backend).toBe('native');
    expect(info.threads).toBe(2);
    expect(info.blas).toMatch(/OpenBLAS/);
    expect(nativeKernels()).toEqual(['BatchMatMul', '_FusedMatMul', 'GatherV2', 'Sum', 'Relu', 'Step', 'Add', 'Sub', 'Multiply', 'RealDiv', 'SquaredDifference', 'Maximum', 'Minimum']);
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

describe.skipIf(unavailable !== undefined)('the addon checks what it is given', () => {
  const addon = unavailable ? (undefined as never) : loadAddon();
  const a = new Float32Array(6);
  const b = new Float32Array(6);
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
