import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nn, Order, Trainer, type Plugin } from '@tikhonov/core';
import { gaussianBlobs, linearRegression } from '@tikhonov/datasets';
import { lagrangian, maxNorm, normConstraint, projectL1Ball, unitNorms } from '@tikhonov/norm-penalties';

const mlp = () => nn.sequential([nn.dense(16, { activation: 'relu' }), nn.dense(3)]);

describe('maxNorm (seed §7.3, Hinton et al. 2012)', () => {
  it('after every step every unit’s incoming norm is ≤ c (+1e-6), even with a large learning rate', async () => {
    const c = 0.5;
    let worst = 0;
    let projected = 0;
    const checker: Plugin = {
      name: 'checker',
      apiVersion: 1,
      order: Order.default + 1,
      afterStep(ctx) {
        for (const p of ctx.params.select({ roles: ['weight'] })) {
          const norms = unitNorms(p).dataSync();
          worst = Math.max(worst, ...norms);
          projected += norms.filter((n) => Math.abs(n - c) < 1e-5).length;
        }
      },
    };
    const t = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 1 }, plugins: [maxNorm({ c }), checker], progress: false });
    await t.fit(gaussianBlobs({ examples: 120, features: 6, seed: 1 }), { epochs: 5, batchSize: 20 });
    expect(worst).toBeLessThanOrEqual(c + 1e-6);
    expect(projected).toBeGreaterThan(0);
    t.dispose();
  });

  it('units inside the ball are untouched bit for bit; units outside land on the sphere', async () => {
    const zeroGrads: Plugin = { name: 'freezeStep', apiVersion: 1, transformGradients: (g) => Object.fromEntries(Object.entries(g).map(([k, v]) => [k, tf.zerosLike(v)])) };
    const t = new Trainer({ model: nn.dense(3, { useBias: false }), loss: 'mse', optimizer: 'sgd', plugins: [zeroGrads, maxNorm({ c: 1 })], inputShape: [2], progress: false });
    const kernel = [
      [0.3, 3, -0.6],
      [0.4, 4, 0.8],
    ]; // column norms 0.5, 5, 1.0
    t.params.get('dense_1/kernel').variable.assign(tf.tensor2d(kernel));
    await t.fit({ x: tf.ones([1, 2]), y: tf.ones([1, 3]), size: 1 }, { epochs: 1 });
    const w = t.params.get('dense_1/kernel').variable.arraySync() as number[][];
    expect([w[0]![0], w[1]![0]]).toEqual([Math.fround(0.3), Math.fround(0.4)]);
    expect([w[0]![2], w[1]![2]]).toEqual([Math.fround(-0.6), Math.fround(0.8)]);
    expect(w[0]![1]).toBeCloseTo(0.6, 6);
    expect(w[1]![1]).toBeCloseTo(0.8, 6);
    t.dispose();
  });
});

describe('normConstraint', () => {
  it('L¹-ball projection matches the sorting algorithm on the host and keeps inside points', () => {
    const v = [0.9, -0.2, 0.5, -1.4, 0.05];
    const k = 1.5;
    // host reference: find θ with Σ max(|vᵢ| − θ, 0) = k by bisection
    let lo = 0;
    let hi = 2;
    for (let i = 0; i < 200; i++) {
      const mid = (lo + hi) / 2;
      const s = v.reduce((acc, x) => acc + Math.max(Math.abs(x) - mid, 0), 0);
      if (s > k) lo = mid;
      else hi = mid;
    }
    const expected = v.map((x) => Math.sign(x) * Math.max(Math.abs(x) - lo, 0));
    const got = projectL1Ball(tf.tensor1d(v), k).dataSync();
    got.forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, 5));
    expect(Array.from(projectL1Ball(tf.tensor1d(v), 10).dataSync())).toEqual(Array.from(Float32Array.from(v)));
  });

  it('keeps Ω(θ) ≤ k over the selected group during training', async () => {
    const norms: number[] = [];
    const checker: Plugin = { name: 'checker', apiVersion: 1, order: 600, afterStep: (ctx) => void norms.push(tf.norm(ctx.params.get('dense_1/kernel').variable).dataSync()[0]!) };
    const t = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 0.5 }, plugins: [normConstraint({ k: 1, select: { names: ['dense_1/kernel'] } }), checker], progress: false });
    await t.fit(gaussianBlobs({ examples: 60, features: 6, seed: 2 }), { epochs: 3, batchSize: 10 });
    expect(Math.max(...norms)).toBeLessThanOrEqual(1 + 1e-5);
    t.dispose();
  });
});

describe('lagrangian: the KKT multiplier of seed §7.3', () => {
  const task = linearRegression({ examples: 50, features: 4, noise: 0.1, seed: 5 });
  const fit = async (k: number) => {
    const t = new Trainer({
      model: nn.dense(1, { useBias: false }),
      loss: 'mse',
      optimizer: { name: 'sgd', learningRate: 0.05 },
      plugins: [lagrangian({ k, dualRate: 0.5 })],
      progress: false,
      logEvery: 100,
    });
    await t.fit(task.data, { epochs: 3000, batchSize: 50, shuffle: false });
    const logs = t.history.logs;
    const w = t.params.get('dense_1/kernel').variable;
    // ∇J(w) = (2/m)Xᵀ(Xw − y)
    const gradNorm = tf.tidy(() => tf.norm(tf.mul(2 / 50, tf.matMul(task.data.x, tf.sub(tf.matMul(task.data.x, w), task.data.y as tf.Tensor), true, false))).dataSync()[0]!);
    t.dispose();
    return { alpha: logs.at(-1)!['lagrangian.alpha']!, omega: logs.at(-1)!['lagrangian.omega']!, gradNorm, logs };
  };
  const unconstrained = Math.hypot(...task.weights);

  it('when the unconstrained optimum has Ω* > k, Ω converges to k and α to the positive multiplier ‖∇J‖', async () => {
    expect(unconstrained).toBeGreaterThan(1.2);
    const r = await fit(1);
    expect(Math.abs(r.omega - 1)).toBeLessThan(1e-3);
    expect(r.alpha).toBeGreaterThan(0.1);
    // stationarity of L: ∇J + α·w/‖w‖ = 0, so α = ‖∇J‖ at the solution
    expect(Math.abs(r.alpha - r.gradNorm) / r.gradNorm).toBeLessThan(0.02);
    // α rose while Ω > k at the start
    expect(r.logs[0]!['lagrangian.alpha']!).toBeGreaterThan(0);
  });

  it('when Ω* < k, α falls to 0 and the constraint is inactive', async () => {
    const r = await fit(10);
    expect(r.alpha).toBe(0);
    expect(Math.abs(r.omega - unconstrained)).toBeLessThan(0.05);
  });
});
