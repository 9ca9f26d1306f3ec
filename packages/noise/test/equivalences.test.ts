import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nn, Order, Trainer, type Plugin } from '@tikhonov/core';
import { linearRegression } from '@tikhonov/datasets';
import { ridge } from '@tikhonov/norm-penalties';
import { inputNoise, jacobianPenalty, weightNoise } from '@tikhonov/noise';

// Linear regression without bias, J(w) = (1/m)‖Xw − y‖² (our 'mse').
// With inputs x + ε, ε ~ N(0, νI): E[(wᵀ(x+ε) − y)²] = (wᵀx − y)² + ν‖w‖², so the
// expected objective is J(w) + ν‖w‖², minimised where (2/m)Xᵀ(Xw − y) + 2νw = 0:
// (XᵀX + mνI)w = Xᵀy — the seed's ridge solution with α = mν.
const m = 50;
const task = linearRegression({ examples: m, features: 4, noise: 0.2, seed: 12 });
const rows = Array.from({ length: m }, (_, i) => Array.from(task.X.subarray(i * 4, i * 4 + 4)));
const nu = 0.5;
const wRidge = ridge(rows, task.y, m * nu);
const wOls = ridge(rows, task.y, 0);

function averager(from: number, sums: Float64Array): Plugin {
  let count = 0;
  return {
    name: 'averager',
    apiVersion: 2,
    order: Order.earlyStopping,
    afterStep(ctx) {
      if (ctx.step <= from) return;
      const w = ctx.params.get('dense_1/kernel').variable.dataSync();
      w.forEach((v, i) => (sums[i]! += v));
      sums[4] = ++count;
    },
  };
}

describe('input noise ≡ L² for linear regression (seed §7.6.1, deck 001)', () => {
  it(`training with inputNoise(σ = √ν) reaches ridge(X, y, mν) (time-averaged iterate within 0.03; the L² shift is > 0.2)`, async () => {
    const shift = Math.max(...wOls.map((v, i) => Math.abs(v - wRidge[i]!)));
    expect(shift).toBeGreaterThan(0.2);
    const sums = new Float64Array(5);
    const t = new Trainer({ model: nn.dense(1, { useBias: false }), loss: 'mse', optimizer: { name: 'sgd', learningRate: 0.01 }, plugins: [inputNoise({ stddev: Math.sqrt(nu) }), averager(1000, sums)], seed: 3, progress: false, logEvery: 1000 });
    await t.fit(task.data, { epochs: 4000, batchSize: m, shuffle: false });
    const average = Array.from(sums.subarray(0, 4), (s) => s / sums[4]!);
    average.forEach((v, i) => expect(Math.abs(v - wRidge[i]!)).toBeLessThan(0.03));
    t.dispose();
  });

  it('jacobianPenalty equals ν‖w‖² exactly for linear regression, and trains to the same ridge solution', async () => {
    const t = new Trainer({ model: nn.dense(1, { useBias: false }), loss: 'mse', optimizer: { name: 'sgd', learningRate: 0.05 }, plugins: [jacobianPenalty({ nu })], inputShape: [4], progress: false, logEvery: 1000 });
    const plugin = t.plugins[0]!;
    const w = t.params.get('dense_1/kernel').variable;
    const ctx = { batch: { x: task.data.x, y: task.data.y }, model: t.model, forward: (x: tf.Tensor) => tf.matMul(x, w) } as never;
    const value = plugin.penalty!(ctx)!.dataSync()[0]!;
    const expected = nu * tf.sum(tf.square(w)).dataSync()[0]!;
    expect(Math.abs(value - expected) / expected).toBeLessThan(1e-6);
    await t.fit(task.data, { epochs: 600, batchSize: m, shuffle: false });
    Array.from(w.dataSync()).forEach((v, i) => expect(Math.abs(v - wRidge[i]!)).toBeLessThan(1e-4));
    t.dispose();
  });
});

describe('weight noise on linear regression (seed §7.6.2)', () => {
  it('its regulariser ηE‖x‖² does not depend on w: the expected gradient at w equals the clean gradient', async () => {
    const steps = 400;
    const sd = 0.3;
    const grads: Float32Array[] = [];
    // record each step's gradient, then zero it so w stays put
    const tap: Plugin = { name: 'tap', apiVersion: 2, transformGradients: (g) => (grads.push(g['dense_1/kernel']!.dataSync().slice() as Float32Array), { 'dense_1/kernel': tf.zerosLike(g['dense_1/kernel']!) }) };
    const t = new Trainer({ model: nn.dense(1, { useBias: false }), loss: 'mse', optimizer: 'sgd', plugins: [weightNoise({ stddev: sd }), tap], inputShape: [4], seed: 2, progress: false, logEvery: 1000 });
    await t.fit(task.data, { epochs: steps, batchSize: m, shuffle: false });
    const w = t.params.get('dense_1/kernel').variable;
    // clean gradient (2/m)Xᵀ(Xw − y), computed independently
    const clean = tf.mul(2 / m, tf.matMul(task.data.x, tf.sub(tf.matMul(task.data.x, w), task.data.y as tf.Tensor), true, false)).dataSync();
    for (let i = 0; i < 4; i++) {
      const samples = grads.map((g) => g[i]!);
      const mean = samples.reduce((a, b) => a + b) / steps;
      const sdMean = Math.sqrt(samples.reduce((s, v) => s + (v - mean) ** 2, 0) / (steps - 1) / steps);
      expect(Math.abs(mean - clean[i]!)).toBeLessThan(4 * sdMean);
    }
    // and the noise really was there
    expect(Math.abs(grads[0]![0]! - grads[1]![0]!)).toBeGreaterThan(1e-3);
    t.dispose();
  });
});
