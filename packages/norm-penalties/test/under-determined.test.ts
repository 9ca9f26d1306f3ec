// Seed §7.4 and decks 002/004: problems that only regularization (explicit or
// implicit) makes well defined. Every expected value is computed by hand or
// in float64 here, independently of the package.
import * as tf from '@tensorflow/tfjs-core';
import { Matrix, inverse } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { nn, Trainer, type Plugin } from '@tikhonov/core';
import { l1, l2, weightDecay } from '@tikhonov/norm-penalties';
import { dot, trainLinear, underDetermined } from './helpers.js';

const norm = (v: readonly number[]) => Math.sqrt(dot(v, v));

describe('logistic regression on linearly separable data (seed §7.4)', () => {
  // Two classes on either side of the line x₁ + x₂ = 0, margin ≥ 0.5.
  const X = [[1, 0.5], [2, -0.5], [0.5, 1], [1.5, 1.5], [-1, -0.5], [-0.5, -2], [-2, 0.5], [-1.5, -1]];
  const y = [1, 1, 1, 1, 0, 0, 0, 0];
  const data = { x: tf.tensor2d(X), y: tf.tensor2d(y, [8, 1]), size: 8 };
  const weightsAfter = async (plugins: Plugin[], checkpoints: number[]) => {
    const t = new Trainer({ model: nn.dense(1, { useBias: false }), loss: 'sigmoidCrossEntropy', optimizer: { name: 'sgd', learningRate: 2 }, plugins, progress: false, logEvery: 100_000, seed: 3 });
    const out: number[][] = [];
    for (const epochs of checkpoints) {
      await t.fit(data, { epochs, batchSize: 8, shuffle: false });
      out.push(Array.from(t.params.get('dense_1/kernel').variable.dataSync()));
    }
    t.dispose();
    return out;
  };

  it('without regularization ‖w‖ keeps growing (by about as much per tenfold of steps: log t, never halting); 2w always classifies as well as w', async () => {
    const ws = await weightsAfter([], [40, 400, 4000]);
    const norms = ws.map(norm);
    const growth = [norms[1]! - norms[0]!, norms[2]! - norms[1]!];
    expect(growth[0]!).toBeGreaterThan(0.5);
    // no sign of convergence: the second decade adds at least half of what the first did
    expect(growth[1]!).toBeGreaterThan(0.5 * growth[0]!);
    // every example is classified correctly, and doubling w raises the likelihood
    const logLik = (w: number[]) => X.reduce((s, x, i) => s - Math.log1p(Math.exp(-(2 * y[i]! - 1) * dot(x, w))), 0);
    const w = ws[2]!;
    X.forEach((x, i) => expect(dot(x, w) > 0).toBe(y[i] === 1));
    expect(logLik(w.map((v) => 2 * v))).toBeGreaterThan(logLik(w));
  });

  it('with weight decay λ gradient descent halts where the slope of the likelihood equals the decay: ∇(mean NLL) = −λw, by hand', async () => {
    const lambda = 0.05;
    const ws = await weightsAfter([weightDecay({ rate: lambda })], [2000, 4000]);
    const w = ws[1]!;
    expect(Math.max(...w.map((v, j) => Math.abs(v - ws[0]![j]!)))).toBeLessThan(1e-5); // a fixed point
    // ∇ of (1/m)Σ −log σ(sᵢ xᵢᵀw), sᵢ = ±1, is −(1/m)Σ sᵢ xᵢ σ(−sᵢ xᵢᵀw)
    const grad = [0, 1].map((j) => -X.reduce((acc, x, i) => acc + (2 * y[i]! - 1) * x[j]! / (1 + Math.exp((2 * y[i]! - 1) * dot(x, w))), 0) / X.length);
    grad.forEach((g, j) => expect(Math.abs(g + lambda * w[j]!)).toBeLessThan(1e-5));
    expect(norm(w)).toBeLessThan(10);
  });
});

describe('gradient descent from w = 0 on an under-determined least-squares problem (seed §7.4, deck 004)', () => {
  const { X, y } = underDetermined;
  const Xm = new Matrix(X);
  // the minimum-norm solution of Xw = y for a full-row-rank X: Xᵀ(XXᵀ)⁻¹y
  const wMin = Xm.transpose().mmul(inverse(Xm.mmul(Xm.transpose()))).mmul(Matrix.columnVector(y)).getColumn(0);
  const run = (zeroStart: boolean) => trainLinear(tf.tensor2d(X), tf.tensor2d(y, [3, 1]), [], 3000, 0.02, { zeroStart });

  it('converges to the minimum-norm solution X⁺y, and that is the smallest of all solutions', async () => {
    const w = await run(true);
    w.forEach((v, j) => expect(Math.abs(v - wMin[j]!)).toBeLessThan(1e-4));
    // every other solution w + n (n in X's null space) solves the system and is longer
    const P = Matrix.eye(6).sub(Xm.transpose().mmul(inverse(Xm.mmul(Xm.transpose()))).mmul(Xm)); // projector on the null space
    for (const r of [[1, 0, 0, 0, 0, 0], [0.3, -1, 2, 0.5, 0, 1], [0, 0, 0, 0, 0, 1]]) {
      const n = P.mmul(Matrix.columnVector(r)).getColumn(0);
      const other = wMin.map((v, j) => v + n[j]!);
      X.forEach((row, i) => expect(dot(row, other)).toBeCloseTo(y[i]!, 10));
      expect(norm(other)).toBeGreaterThan(norm(wMin) + 1e-3);
    }
  });

  it('from a random start it solves the system too, but keeps its start’s null-space part: not the minimum norm', async () => {
    const w = await run(false);
    X.forEach((row, i) => expect(Math.abs(dot(row, w) - y[i]!)).toBeLessThan(1e-4));
    expect(norm(w)).toBeGreaterThan(norm(wMin) + 0.05);
  });
});

describe('the L¹ solution of [10 1]·w = 5 is the sparse one (deck 002)', () => {
  const X = tf.tensor2d([[10, 1]]);
  const y = tf.tensor2d([[5]]);

  it('l1 (proximal) gives w₂ = 0 exactly and w₁ = ½ − α/200, by hand; l2 from zero gives the dense 5·[10, 1]/101 (1 + α/202)⁻¹', async () => {
    // J = (10w₁ + w₂ − 5)² + α(|w₁| + |w₂|). At w₂ = 0: 20(10w₁ − 5) + α = 0, so w₁ = ½ − α/200;
    // w₂ = 0 stays optimal because |∂J/∂w₂| of the square, |2(10w₁ − 5)| = α/10, is below α.
    const alpha = 1;
    const sparse = await trainLinear(X, y, [l1({ alpha, method: 'proximal' })], 4000, 0.004, { zeroStart: true });
    expect(Math.abs(sparse[1]!)).toBe(0);
    expect(Math.abs(sparse[0]! - (0.5 - alpha / 200))).toBeLessThan(1e-5);
    // L²: (10w₁ + w₂ − 5)² + α/2‖w‖² from zero stays on the line through [10, 1]: w = c·[10, 1],
    // where the gradient 2(101c − 5)·[10, 1] + αc·[10, 1] vanishes: c = 5/(101 + α/2), no zero coordinate
    const dense = await trainLinear(X, y, [l2({ alpha })], 4000, 0.004, { zeroStart: true });
    const c = 5 / (101 + alpha / 2);
    expect(Math.abs(dense[0]! - 10 * c)).toBeLessThan(1e-5);
    expect(Math.abs(dense[1]! - c)).toBeLessThan(1e-5);
  });
});
