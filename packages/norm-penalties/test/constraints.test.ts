import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nn, Trainer, type Plugin } from '@tikhonov/core';
import { gaussianBlobs, linearRegression } from '@tikhonov/datasets';
import { lagrangian, maxNorm, normConstraint, projectL1Ball, unitNorm, unitNorms, weightDecay } from '@tikhonov/norm-penalties';

const mlp = () => nn.sequential([nn.dense(16, { activation: 'relu' }), nn.dense(3)]);

describe('maxNorm (seed §7.3, Hinton et al. 2012)', () => {
  it('after every step every unit’s incoming norm is ≤ c (+1e-6), even with a large learning rate', async () => {
    const c = 0.5;
    let worst = 0;
    let projected = 0;
    const checker: Plugin = {
      name: 'checker',
      apiVersion: 2,
      // a reader: runs after every update, decay and constraint of the step
      afterStepKind: 'average',
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
    const zeroGrads: Plugin = { name: 'freezeStep', apiVersion: 2, transformGradients: (g) => Object.fromEntries(Object.entries(g).map(([k, v]) => [k, tf.zerosLike(v)])) };
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
    const checker: Plugin = { name: 'checker', apiVersion: 2, afterStepKind: 'average', afterStep: (ctx) => void norms.push(tf.norm(ctx.params.get('dense_1/kernel').variable).dataSync()[0]!) };
    const t = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 0.5 }, plugins: [normConstraint({ k: 1, select: { names: ['dense_1/kernel'] } }), checker], progress: false });
    await t.fit(gaussianBlobs({ examples: 60, features: 6, seed: 2 }), { epochs: 3, batchSize: 10 });
    expect(Math.max(...norms)).toBeLessThanOrEqual(1 + 1e-5);
    t.dispose();
  });
});

describe('afterStep order by kind (contract v2): update → decay → constraint → average, whatever the list order', () => {
  const permutations = <T,>(items: T[]): T[][] => (items.length <= 1 ? [items] : items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest])));

  it('every permutation of [maxNorm, weightDecay, an averaging reader] ends each step inside the ball, and the reader sees the projected params', async () => {
    const c = 0.4;
    for (const order of permutations(['maxNorm', 'weightDecay', 'reader'])) {
      let worst = 0;
      let steps = 0;
      // an EMA-like reader: it only reads, after everything else
      const reader: Plugin = {
        name: 'reader',
        apiVersion: 2,
        afterStepKind: 'average',
        afterStep(ctx) {
          steps++;
          for (const p of ctx.params.select({ roles: ['weight'] })) worst = Math.max(worst, ...unitNorms(p).dataSync());
        },
      };
      const make = { maxNorm: () => maxNorm({ c }), weightDecay: () => weightDecay({ rate: 0.05 }), reader: () => reader };
      const t = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 1 }, plugins: order.map((n) => make[n as keyof typeof make]()), progress: false, seed: 3 });
      await t.fit(gaussianBlobs({ examples: 60, features: 6, seed: 4 }), { epochs: 2, batchSize: 20 });
      expect(steps, order.join(', ')).toBe(6);
      expect(worst, order.join(', ')).toBeLessThanOrEqual(c + 1e-6);
      const final = t.params.select({ roles: ['weight'] }).flatMap((p) => Array.from(unitNorms(p).dataSync()));
      expect(Math.max(...final), order.join(', ')).toBeLessThanOrEqual(c + 1e-6);
      expect(t.describeLoop()).toMatch(/afterStep\s+sequence\s+weightDecay \[decay\] → maxNorm \[constraint\] → reader \[average\]/);
      t.dispose();
    }
  });

  it('[unitNorm, weightDecay] ends every step on the unit sphere (v1 ran them in list order and ended 0.13 off after 3 epochs)', async () => {
    const off: number[] = [];
    const reader: Plugin = {
      name: 'reader',
      apiVersion: 2,
      afterStepKind: 'average',
      afterStep: (ctx) => void off.push(...Array.from(unitNorms(ctx.params.get('dense_1/kernel')).dataSync(), (n) => Math.abs(n - 1))),
    };
    const t = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 0.5 }, plugins: [unitNorm(), weightDecay({ rate: 0.1 }), reader], progress: false, seed: 1 });
    await t.fit(gaussianBlobs({ examples: 60, features: 6, seed: 2 }), { epochs: 3, batchSize: 10 });
    expect(off.length).toBe(18 * 16);
    expect(Math.max(...off)).toBeLessThan(1e-5);
    t.dispose();
  });

  it('an averaging reader may not write params; a direct assign in a hook is refused, naming the plugin and hook', async () => {
    const data = gaussianBlobs({ examples: 20, features: 6, seed: 2 });
    const writer: Plugin = { name: 'sneaky', apiVersion: 2, afterStepKind: 'average', afterStep: (ctx) => ctx.params.write('dense_1/bias', tf.zeros([16])) };
    const t1 = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', plugins: [writer], progress: false });
    await expect(t1.fit(data, { epochs: 1 })).rejects.toThrow(/plugin 'sneaky' failed in afterStep: plugin 'sneaky' wrote param 'dense_1\/bias' in an afterStep of kind 'average'/);
    t1.dispose();
    const direct: Plugin = { name: 'direct', apiVersion: 2, penalty: (ctx) => (ctx.params.get('dense_1/bias').variable.assign(tf.zeros([16])), undefined) };
    const t2 = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', plugins: [direct], progress: false });
    await expect(t2.fit(data, { epochs: 1 })).rejects.toThrow(/plugin 'direct' assigned param 'dense_1\/bias' directly in penalty; write params through ctx.params.write/);
    t2.dispose();
    const early: Plugin = { name: 'early', apiVersion: 2, transformGradients: (g, ctx) => (ctx.params.write('dense_1/bias', tf.zeros([16])), g) };
    const t3 = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', plugins: [early], progress: false });
    await expect(t3.fit(data, { epochs: 1 })).rejects.toThrow(/wrote param 'dense_1\/bias' in transformGradients; params may be written only in afterStep and in fit-level hooks/);
    t3.dispose();
    data.x.dispose();
    (data.y as tf.Tensor).dispose();
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
