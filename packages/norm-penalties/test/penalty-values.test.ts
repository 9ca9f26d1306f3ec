// Each plugin's loss term and the gradient the optimizer receives, against
// the formula worked out by hand in float64 (seed §7.2.2 eq. 7.10, §7.8, §7.9,
// elastic net, decoupled decay). One SGD step at learning rate 1 moves each
// param by exactly minus the gradient it received, so (before − after) with
// the plugin, minus the same without it, is the plugin's own gradient.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nn, Trainer, type Plugin } from '@tikhonov/core';
import { activityL2, elasticNet, l1, l2, nonNeg, studentT, tying, unitNorm, weightDecay } from '@tikhonov/norm-penalties';

const n = 6;
const xs = Array.from({ length: n }, (_, i) => [Math.sin(i + 1), Math.cos(2 * i + 0.5), (i - 2.5) / 3]);
const ids = [0, 1, 1, 0, 1, 0];
type Params = Record<string, number[]>;

/** One full-batch SGD step (rate 1) of a tanh MLP 3-4-2 under seed 7: its loss and the params before and after. */
async function oneStep(plugins: Plugin[]): Promise<{ loss: number; before: Params; after: Params; hidden: number[][] }> {
  const t = new Trainer({ model: nn.sequential([nn.dense(4, { activation: 'tanh' }), nn.dense(2)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 1 }, plugins, seed: 7, logEvery: 1, progress: false });
  t.build([3]);
  const read = (): Params => Object.fromEntries(t.model.params.map((p) => [p.name, Array.from(p.variable.dataSync())]));
  const before = read();
  // the hidden activations tanh(xW₁ + b₁), by hand
  const hidden = xs.map((x) => [0, 1, 2, 3].map((u) => Math.tanh(before['dense_1/bias']![u]! + x.reduce((s, v, d) => s + v * before['dense_1/kernel']![d * 4 + u]!, 0))));
  await t.fit({ x: tf.tensor2d(xs), y: tf.tensor1d(ids, 'int32'), size: n }, { epochs: 1, batchSize: n, shuffle: false });
  const out = { loss: t.history.logs[0]!.loss!, before, after: read(), hidden };
  t.dispose();
  return out;
}

/** The gradient each param received: before − after (learning rate 1). */
const gradients = (s: { before: Params; after: Params }): Params => Object.fromEntries(Object.entries(s.before).map(([k, v]) => [k, v.map((b, i) => b - s.after[k]![i]!)]));
const KERNELS = ['dense_1/kernel', 'dense_2/kernel'];
const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);

/** Asserts the plugin's share of the loss and of every param's gradient equal the hand-computed ones. */
async function expectPenalty(plugin: Plugin, value: (p: Params, hidden: number[][]) => number, gradient: (name: string, w: number[]) => number[] | undefined) {
  const plain = await oneStep([]);
  const withIt = await oneStep([plugin]);
  expect(withIt.before).toEqual(plain.before); // same seed, same start
  const expected = value(plain.before, plain.hidden);
  expect(Math.abs(withIt.loss - plain.loss - expected)).toBeLessThan(1e-5 * Math.max(1, Math.abs(expected)));
  const g0 = gradients(plain);
  const g1 = gradients(withIt);
  for (const [name, w] of Object.entries(plain.before)) {
    const own = gradient(name, w) ?? w.map(() => 0);
    g1[name]!.forEach((g, i) => expect(Math.abs(g - g0[name]![i]! - own[i]!)).toBeLessThan(2e-6));
  }
}

describe('parameter penalties: loss term and gradient by hand', () => {
  it('l1 subgradient: adds α‖W‖₁ and α·sign(W) to each kernel’s gradient (eq. 7.10); biases get nothing', async () => {
    const alpha = 0.03;
    await expectPenalty(l1({ alpha }), (p) => alpha * sum(KERNELS.flatMap((k) => p[k]!.map(Math.abs))), (name, w) => (KERNELS.includes(name) ? w.map((v) => alpha * Math.sign(v)) : undefined));
  });

  it('elasticNet: adds α₁‖W‖₁ + α₂/2‖W‖² and α₁·sign(W) + α₂W', async () => {
    const [a1, a2] = [0.02, 0.3];
    await expectPenalty(
      elasticNet({ l1: a1, l2: a2 }),
      (p) => sum(KERNELS.flatMap((k) => p[k]!.map((v) => a1 * Math.abs(v) + (a2 / 2) * v * v))),
      (name, w) => (KERNELS.includes(name) ? w.map((v) => a1 * Math.sign(v) + a2 * v) : undefined),
    );
  });

  it('l2 with a centre w₀ and per-layer α: adds Σ αₗ/2‖Wₗ − w₀‖² and αₗ(Wₗ − w₀)', async () => {
    const center = 0.25;
    const alphas: Record<string, number> = { 'dense_1/kernel': 0.4, 'dense_2/kernel': 0.1 };
    const plugin = l2({ alpha: [{ select: { names: ['dense_1/kernel'] }, alpha: 0.4 }, { select: { names: ['dense_2/kernel'] }, alpha: 0.1 }], center });
    await expectPenalty(
      plugin,
      (p) => sum(KERNELS.flatMap((k) => p[k]!.map((v) => (alphas[k]! / 2) * (v - center) ** 2))),
      (name, w) => (name in alphas ? w.map((v) => alphas[name]! * (v - center)) : undefined),
    );
  });

  it('tying: adds α‖w⁽ᴬ⁾ − w⁽ᴮ⁾‖² and ±2α(w⁽ᴬ⁾ − w⁽ᴮ⁾) (seed §7.8)', async () => {
    // two towers on one trunk: their 4×2 kernels are tied
    const alpha = 0.7;
    const model = () => nn.multiHead(nn.dense(4, { activation: 'tanh', name: 'trunk' }), { a: nn.dense(2, { name: 'towerA' }), b: nn.dense(2, { name: 'towerB' }) });
    const step = async (plugins: Plugin[]) => {
      const t = new Trainer({ model: model(), loss: { a: 'softmaxCrossEntropy', b: 'softmaxCrossEntropy' }, optimizer: { name: 'sgd', learningRate: 1 }, plugins, seed: 5, logEvery: 1, progress: false });
      t.build([3]);
      const read = (): Params => Object.fromEntries(t.model.params.map((p) => [p.name, Array.from(p.variable.dataSync())]));
      const before = read();
      const y = tf.tensor1d(ids, 'int32');
      await t.fit({ x: tf.tensor2d(xs), y: { a: y, b: y }, size: n }, { epochs: 1, batchSize: n, shuffle: false });
      const out = { loss: t.history.logs[0]!.loss!, before, after: read() };
      t.dispose();
      return out;
    };
    const plain = await step([]);
    const tied = await step([tying({ pairs: [[{ names: ['towerA/kernel'] }, { names: ['towerB/kernel'] }]], alpha })]);
    const [wa, wb] = [plain.before['towerA/kernel']!, plain.before['towerB/kernel']!];
    const diff = wa.map((v, i) => v - wb[i]!);
    expect(Math.abs(tied.loss - plain.loss - alpha * sum(diff.map((d) => d * d)))).toBeLessThan(1e-5);
    const [g0, g1] = [gradients(plain), gradients(tied)];
    diff.forEach((d, i) => {
      expect(Math.abs(g1['towerA/kernel']![i]! - g0['towerA/kernel']![i]! - 2 * alpha * d)).toBeLessThan(2e-6);
      expect(Math.abs(g1['towerB/kernel']![i]! - g0['towerB/kernel']![i]! + 2 * alpha * d)).toBeLessThan(2e-6);
    });
  });
});

describe('representation penalties: loss term by hand (seed §7.9)', () => {
  it('activityL2 adds α/2·Σh² per example, averaged over the batch', async () => {
    const alpha = 0.2;
    const plain = await oneStep([]);
    const withIt = await oneStep([activityL2({ alpha })]);
    const expected = (alpha / 2) * sum(plain.hidden.flatMap((h) => h.map((v) => v * v))) / n;
    expect(Math.abs(withIt.loss - plain.loss - expected)).toBeLessThan(1e-6);
    expect(expected).toBeGreaterThan(0.01);
  });

  it('studentT adds α·Σ log(1 + h²) per example, averaged over the batch (Olshausen & Field)', async () => {
    const alpha = 0.2;
    const plain = await oneStep([]);
    const withIt = await oneStep([studentT({ alpha })]);
    const expected = (alpha * sum(plain.hidden.flatMap((h) => h.map((v) => Math.log(1 + v * v))))) / n;
    expect(Math.abs(withIt.loss - plain.loss - expected)).toBeLessThan(1e-6);
    expect(expected).toBeGreaterThan(0.01);
  });
});

describe('constraints: the SGD update, then the projection, by hand', () => {
  const projected = async (plugin: Plugin, project: (name: string, w: number[]) => number[]) => {
    const plain = await oneStep([]);
    const withIt = await oneStep([plugin]);
    for (const [name, w] of Object.entries(plain.after)) withIt.after[name]!.forEach((v, i) => expect(Math.abs(v - project(name, w)[i]!)).toBeLessThan(1e-6));
    return plain.after;
  };

  it('unitNorm divides each unit’s incoming weights (a kernel column) by their norm; biases stay', async () => {
    const units = (w: number[], cols: number) => Array.from({ length: cols }, (_, c) => Math.sqrt(sum(w.filter((_, i) => i % cols === c).map((v) => v * v))));
    await projected(unitNorm(), (name, w) => {
      if (!KERNELS.includes(name)) return w;
      const cols = name === 'dense_1/kernel' ? 4 : 2;
      const norms = units(w, cols);
      return w.map((v, i) => v / norms[i % cols]!);
    });
  });

  it('nonNeg sets the negative kernel entries to 0 and keeps the rest as the SGD step left them', async () => {
    const after = await projected(nonNeg(), (name, w) => (KERNELS.includes(name) ? w.map((v) => Math.max(v, 0)) : w));
    expect(after['dense_1/kernel']!.some((v) => v < 0)).toBe(true); // there was something to project
  });
});

describe('decoupled weight decay with Adam (Loshchilov & Hutter’s AdamW)', () => {
  it('three steps equal the AdamW recursion by hand: w ← w − ε·m̂/(√v̂ + ϵ̂) − ε·λ·w, not Adam on the L² gradient', async () => {
    const X = [[1, 2], [0.5, -1], [-1, 0.3], [2, 1]];
    const y = [1, -1, 0.5, 2];
    const [lr, lambda, b1, b2, eps] = [0.1, 0.5, 0.9, 0.999, 1e-7];
    const run = (plugins: Plugin[]) => {
      const t = new Trainer({ model: nn.dense(1, { useBias: false }), loss: 'mse', optimizer: { name: 'adam', learningRate: lr }, plugins, seed: 2, progress: false, logEvery: 1000 });
      t.build([2]);
      return t;
    };
    const t = run([weightDecay({ rate: lambda })]);
    let w = Array.from(t.params.get('dense_1/kernel').variable.dataSync());
    await t.fit({ x: tf.tensor2d(X), y: tf.tensor2d(y, [4, 1]), size: 4 }, { epochs: 3, batchSize: 4, shuffle: false });
    const got = Array.from(t.params.get('dense_1/kernel').variable.dataSync());
    t.dispose();
    // by hand, in tfjs's form of Adam: ε_t = ε·√(1 − β₂ᵗ)/(1 − β₁ᵗ), w ← w − ε_t·m/(√v + ϵ), then − ε·λ·w_old
    let m = [0, 0];
    let v = [0, 0];
    let adamOnL2 = [...w];
    const grad = (wt: number[], extra: number) => [0, 1].map((j) => (2 / 4) * X.reduce((s, x, i) => s + x[j]! * (x[0]! * wt[0]! + x[1]! * wt[1]! - y[i]!), 0) + extra * wt[j]!);
    let m2 = [0, 0];
    let v2 = [0, 0];
    for (let step = 1; step <= 3; step++) {
      const g = grad(w, 0);
      m = m.map((mj, j) => b1 * mj + (1 - b1) * g[j]!);
      v = v.map((vj, j) => b2 * vj + (1 - b2) * g[j]! ** 2);
      const rate = (lr * Math.sqrt(1 - b2 ** step)) / (1 - b1 ** step);
      w = w.map((wj, j) => wj - rate * m[j]! / (Math.sqrt(v[j]!) + eps) - lr * lambda * wj);
      // the coupled alternative: Adam on ∇J + λw
      const g2 = grad(adamOnL2, lambda);
      m2 = m2.map((mj, j) => b1 * mj + (1 - b1) * g2[j]!);
      v2 = v2.map((vj, j) => b2 * vj + (1 - b2) * g2[j]! ** 2);
      adamOnL2 = adamOnL2.map((wj, j) => wj - rate * m2[j]! / (Math.sqrt(v2[j]!) + eps));
    }
    got.forEach((g, j) => expect(Math.abs(g - w[j]!)).toBeLessThan(1e-5)); // float32 vs float64 over three steps
    expect(Math.max(...got.map((g, j) => Math.abs(g - adamOnL2[j]!)))).toBeGreaterThan(1e-2);
  });
});
