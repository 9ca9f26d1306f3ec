import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { FUSED_KERNELS, lerp } from '@tikhonov/core';

describe('lerp, the fused weight-average update', () => {
  const a = [1.5, -2, 0, 4, 1e-3, -7.25];
  const b = [0.5, 3, -1, 4, 2e-3, 1];

  it('gives a + w·(b − a) from tfjs ops where the backend has no fused kernel, in one tensor', async () => {
    await tf.setBackend('cpu');
    const ta = tf.tensor(a, [2, 3]);
    const tb = tf.tensor(b, [2, 3]);
    const before = tf.memory().numTensors;
    const out = lerp(ta, tb, 0.25);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(out.shape).toEqual([2, 3]);
    // by hand: a + (b − a)/4
    expect(Array.from(out.dataSync())).toEqual([1.25, -0.75, -0.25, 4, 0.00125, -5.1875].map((v) => expect.closeTo(v, 6)));
    // w = 0 keeps a, w = 1 gives b
    const ends = [lerp(ta, tb, 0), lerp(ta, tb, 1)];
    expect(Array.from(ends[0]!.dataSync())).toEqual(Array.from(Float32Array.from(a)));
    expect(Array.from(ends[1]!.dataSync())).toEqual(Array.from(Float32Array.from(b)));
    tf.dispose([ta, tb, out, ...ends]);
  });

  it('dispatches to a kernel registered under FUSED_KERNELS.lerp, with the weight as its attribute', async () => {
    await tf.setBackend('cpu');
    const calls: Array<{ shapes: number[][]; weight: number }> = [];
    tf.registerKernel({
      kernelName: FUSED_KERNELS.lerp,
      backendName: 'cpu',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const { a: x, b: y } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
        calls.push({ shapes: [x.shape, y.shape], weight: (attrs as { weight: number }).weight });
        // a recognisable result: the backend's own storage for a constant 42
        return (backend as unknown as { makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo }).makeTensorInfo(x.shape, 'float32', new Float32Array(x.shape.reduce((p, q) => p * q, 1)).fill(42));
      },
    });
    try {
      const ta = tf.tensor(a, [6]);
      const tb = tf.tensor(b, [6]);
      const out = lerp(ta, tb, 0.125);
      expect(calls).toEqual([{ shapes: [[6], [6]], weight: 0.125 }]);
      expect(Array.from(out.dataSync())).toEqual([42, 42, 42, 42, 42, 42]);
      // int32 inputs do not go to a float32 kernel
      const ints = lerp(tf.tensor([1, 2], [2], 'int32'), tf.tensor([3, 6], [2], 'int32'), 0.5);
      expect(calls).toHaveLength(1);
      expect(Array.from(ints.dataSync())).toEqual([2, 4]);
      tf.dispose([ta, tb, out, ints]);
    } finally {
      tf.unregisterKernel(FUSED_KERNELS.lerp, 'cpu');
    }
  });

  it('refuses tensors of different shapes, naming both', () => {
    expect(() => lerp(tf.zeros([2, 3]), tf.zeros([3, 2]), 0.5)).toThrow(/lerp: a has shape \[2,3\] and b \[3,2\]; they must be equal/);
  });
});

/**
 * Checks that `fused` is a `Fused` subclass of tfjs's `Base` with its class name and config, then applies the same
 * gradients to two equal variables, one through `fused` and one through `reference`, and checks they end equal bit
 * for bit; returns the first coordinate for a hand computation, and disposes both optimizers.
 */
function expectTfjsUpdates(fused: tf.Optimizer, Fused: object, Base: { prototype: object }, className: string, reference: tf.Optimizer, gradients: number[][]): number {
  // (tfjs's Optimizer answers instanceof by duck typing: compare the constructor and the prototype chain)
  expect(fused.constructor).toBe(Fused);
  expect(Object.getPrototypeOf((Fused as { prototype: object }).prototype)).toBe(Base.prototype);
  expect(fused.getClassName()).toBe(className);
  expect(fused.getConfig()).toEqual(reference.getConfig());
  const a = tf.variable(tf.tensor([0.5, -1, 2]), true);
  const b = tf.variable(tf.tensor([0.5, -1, 2]), true);
  for (const g of gradients) {
    tf.tidy(() => fused.applyGradients({ [a.name]: tf.tensor(g) } as never));
    tf.tidy(() => reference.applyGradients({ [b.name]: tf.tensor(g) } as never));
  }
  expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
  const first = a.dataSync()[0]!;
  tf.dispose([a, b]);
  fused.dispose();
  reference.dispose();
  return first;
}

describe('FusedAdamOptimizer', () => {
  it("is the trainer's 'adam': a tfjs AdamOptimizer (class name 'Adam', same config) that, on a backend without the fused kernel, updates as tfjs's does", async () => {
    await tf.setBackend('cpu');
    const { createOptimizer, FusedAdamOptimizer } = await import('@tikhonov/core');
    const first = expectTfjsUpdates(createOptimizer({ name: 'adam', learningRate: 0.02 }), FusedAdamOptimizer, tf.AdamOptimizer, 'Adam', tf.train.adam(0.02, 0.9, 0.999, 1e-7), [[1, -2, 0.5], [0.3, 0.3, -4], [-1, 0, 2]]);
    // and tfjs's Adam moved them: three steps of ≈ lr each
    expect(Math.abs(first - 0.5)).toBeGreaterThan(0.03);
  });
});

describe('FusedMomentumOptimizer', () => {
  it("is the trainer's 'momentum': a tfjs MomentumOptimizer (class name 'Momentum', same config) that, on a backend without the fused kernel, updates as tfjs's does", async () => {
    await tf.setBackend('cpu');
    const { createOptimizer, FusedMomentumOptimizer } = await import('@tikhonov/core');
    for (const useNesterov of [false, true]) {
      const fused = createOptimizer({ name: 'momentum', learningRate: 0.02, momentum: 0.8, useNesterov });
      const first = expectTfjsUpdates(fused, FusedMomentumOptimizer, tf.MomentumOptimizer, 'Momentum', tf.train.momentum(0.02, 0.8, useNesterov), [[1, -2, 0.5], [0.3, 0.3, -4], [-1, 0, 2]]);
      // by hand (plain): v ← 0.8v + g, θ ← θ − 0.02v over the three gradients, first coordinate: v = 1, 1.1, −0.12
      if (!useNesterov) expect(first).toBeCloseTo(0.5 - 0.02 * (1 + 1.1 - 0.12), 6);
    }
  });
});

describe('FusedSgdOptimizer', () => {
  it("is the trainer's 'sgd': a tfjs SGDOptimizer (class name 'SGD', same config) that, on a backend without the fused kernel, updates as tfjs's does", async () => {
    await tf.setBackend('cpu');
    const { createOptimizer, FusedSgdOptimizer } = await import('@tikhonov/core');
    const first = expectTfjsUpdates(createOptimizer({ name: 'sgd', learningRate: 0.03 }), FusedSgdOptimizer, tf.SGDOptimizer, 'SGD', tf.train.sgd(0.03), [[1, -2, 0.5], [0.3, 0.3, -4]]);
    // by hand: θ ← θ − 0.03·g twice, first coordinate 0.5 − 0.03·(1 + 0.3)
    expect(first).toBeCloseTo(0.5 - 0.03 * 1.3, 6);
  });
});

describe('projectMaxNorm', () => {
  it('scales each unit above c onto the sphere and leaves the others bit for bit (hand computation in float64; dense and conv shapes)', async () => {
    await tf.setBackend('cpu');
    const { projectMaxNorm } = await import('@tikhonov/core');
    // a 3×4 dense kernel: unit norms 5, 0.5, 0 and 13 against c = 2
    const w = [
      [3, 0.3, 0, 12],
      [4, 0.4, 0, 5],
      [0, 0, 0, 0],
    ];
    const out = projectMaxNorm(tf.tensor2d(w), 2);
    const got = out.arraySync() as number[][];
    const norms = [0, 1, 2, 3].map((j) => Math.hypot(...w.map((r) => r[j]!)));
    w.forEach((row, i) => row.forEach((v, j) => expect(got[i]![j]).toBeCloseTo(norms[j]! > 2 ? (v * 2) / norms[j]! : v, 6)));
    // inside the ball: the same float32 bits
    expect(got.map((r) => r[1])).toEqual(Array.from(tf.tensor1d([0.3, 0.4, 0]).dataSync()));
    // a conv kernel [2, 2, 1, 2]: the unit's fan-in is the first three axes
    const conv = tf.tensor4d([1, 2, 1, 2, 1, 2, 1, 2], [2, 2, 1, 2]);
    const projected = Array.from(projectMaxNorm(conv, 1).dataSync());
    // unit 0 has norm √4 = 2, unit 1 √16 = 4: scaled by 1/2 and 1/4
    expect(projected).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    tf.dispose([out, conv]);
  });

  it('refuses rank 1 and a bad c, naming them', async () => {
    const { projectMaxNorm } = await import('@tikhonov/core');
    expect(() => projectMaxNorm(tf.zeros([3]), 1)).toThrow(/projectMaxNorm: value has shape \[3\]; it needs rank ≥ 2/);
    expect(() => projectMaxNorm(tf.zeros([3, 2]), 0)).toThrow(/c = 0 is not allowed; it must be a finite number > 0/);
  });
});

