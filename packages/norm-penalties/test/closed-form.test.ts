import * as tf from '@tensorflow/tfjs-core';
import { Matrix, inverse } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { linearRegression } from '@tikhonov/datasets';
import { trainLinear, underDetermined } from './helpers.js';
import { effectiveParameters, elasticNet, l1, l2, l2ShrinkFactors, matVec, pseudoInverse, ridge, symmetricEigen, UnderdeterminedError } from '@tikhonov/norm-penalties';

describe('L² (seed §7.2.1)', () => {
  // Our objective is (1/m)‖Xw − y‖² + α/2‖w‖² (mean squared error plus l2's α/2‖w‖²).
  // Its gradient (2/m)Xᵀ(Xw − y) + αw vanishes at (XᵀX + (mα/2)I)w = Xᵀy,
  // i.e. the seed's ridge solution (XᵀX + α'I)⁻¹Xᵀy with α' = mα/2.
  const m = 40;
  const task = linearRegression({ examples: m, features: 5, noise: 0.5, seed: 3 });
  const rows = Array.from({ length: m }, (_, i) => Array.from(task.X.subarray(i * 5, i * 5 + 5)));
  const alpha = 0.5;
  const alphaRidge = (m * alpha) / 2;

  it('full-batch SGD with l2 converges to ridge(X, y, mα/2) (|Δw| < 1e-4)', async () => {
    const w = await trainLinear(task.data.x, task.data.y as tf.Tensor, [l2({ alpha })], 400, 0.2);
    const expected = ridge(rows, task.y, alphaRidge);
    w.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-4));
  });

  it('along the Hessian eigenvectors, the trained weights are w* shrunk by λᵢ/(λᵢ + α) (eq. 7.7)', async () => {
    const w = await trainLinear(task.data.x, task.data.y as tf.Tensor, [l2({ alpha })], 400, 0.2);
    const wStar = ridge(rows, task.y, 0);
    const X = new Matrix(rows);
    const { values, vectors } = symmetricEigen(X.transpose().mmul(X).to2DArray());
    const Q = new Matrix(vectors);
    const rotated = (v: ArrayLike<number>) => Q.transpose().mmul(Matrix.columnVector(Array.from(v))).getColumn(0);
    const factors = l2ShrinkFactors(values, alphaRidge);
    const got = rotated(w);
    const star = rotated(wStar);
    got.forEach((g, i) => expect(Math.abs(g - factors[i]! * star[i]!)).toBeLessThan(2e-4));
    // the smallest-eigenvalue direction shrinks most
    const order = [...values.keys()].sort((a, b) => values[a]! - values[b]!);
    expect(factors[order[0]!]!).toBeLessThan(factors[order[order.length - 1]!]!);
  });

  it('effective parameters γ = Σλᵢ/(λᵢ+α) equal the trace of the ridge hat matrix X(XᵀX+αI)⁻¹Xᵀ (eq. 7.8)', () => {
    const X = new Matrix(rows);
    const gram = X.transpose().mmul(X);
    const { values } = symmetricEigen(gram.to2DArray());
    for (const a of [0.1, 10, 1000]) {
      const hat = X.mmul(inverse(gram.clone().add(Matrix.eye(5).mul(a)))).mmul(X.transpose());
      expect(effectiveParameters(values, a)).toBeCloseTo(hat.trace(), 8);
    }
    expect(effectiveParameters(values, 0)).toBeCloseTo(5, 10);
  });

  it('effective parameters γ(α) fall strictly as α rises, from d at α = 0 towards 0 (§7.2.1), checked on the hat matrix’s trace', () => {
    const X = new Matrix(rows);
    const gram = X.transpose().mmul(X);
    const { values } = symmetricEigen(gram.to2DArray());
    const alphas = [0, 0.01, 0.1, 1, 10, 100, 1e3, 1e4, 1e6];
    const traces = alphas.map((a) => (a === 0 ? 5 : X.mmul(inverse(gram.clone().add(Matrix.eye(5).mul(a)))).mmul(X.transpose()).trace()));
    const gammas = alphas.map((a) => effectiveParameters(values, a));
    gammas.forEach((g, i) => expect(g).toBeCloseTo(traces[i]!, 6));
    for (let i = 1; i < gammas.length; i++) expect(gammas[i]!).toBeLessThan(gammas[i - 1]!);
    expect(gammas[0]).toBeCloseTo(5, 10);
    expect(gammas[gammas.length - 1]!).toBeLessThan(1e-3);
  });
});

describe('under-constrained problems (seed §7.4)', () => {
  const { X, y } = underDetermined;

  it('with fewer rows than columns, the unregularised problem is flagged as under-determined', () => {
    expect(() => ridge(X, y, 0)).toThrow(UnderdeterminedError);
    expect(() => ridge(X, y, 0)).toThrow(/XᵀX \(6×6\) is singular \(3 examples, 6 features\).*under-determined/);
  });

  it('ridge(X, y, α) approaches the pseudo-inverse solution X⁺y as α → 0, monotonically', () => {
    const pinv = matVec(pseudoInverse(X), y);
    const gaps = [1, 1e-2, 1e-4, 1e-6].map((a) => Math.max(...ridge(X, y, a).map((v, i) => Math.abs(v - pinv[i]!))));
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]!).toBeLessThan(gaps[i - 1]!);
    expect(gaps[3]!).toBeLessThan(1e-5);
    // X⁺y solves the system exactly and has the minimum norm of all solutions
    matVec(X, pinv).forEach((v, i) => expect(v).toBeCloseTo(y[i]!, 10));
  });
});

describe('L¹ (seed §7.2.2)', () => {
  const hadamard = [
    [1, 1, 1, 1, 1, 1, 1, 1],
    [1, -1, 1, -1, 1, -1, 1, -1],
    [1, 1, -1, -1, 1, 1, -1, -1],
    [1, -1, -1, 1, 1, -1, -1, 1],
    [1, 1, 1, 1, -1, -1, -1, -1],
  ];
  const s = [1, 1, 0.5, 2, 1];
  const X = Array.from({ length: 8 }, (_, r) => s.map((si, c) => si * hadamard[c]![r]!));
  it('proximal L¹ with a diagonal Hessian reaches wᵢ = sign(wᵢ*)·max(|wᵢ*| − α/Hᵢᵢ, 0), with exact zeros', async () => {
    // Orthogonal columns (Hadamard order 8) scaled by s: XᵀX = diag(8s²), and for
    // (1/8)‖Xw − y‖² the Hessian is H = diag(2s²).
    const wStar = [2, 0.05, -1, -0.03, -0.4];
    const y = matVec(X, wStar);
    const alpha = 0.3;
    const H = s.map((si) => 2 * si * si);
    const expected = wStar.map((w, i) => Math.sign(w) * Math.max(Math.abs(w) - alpha / H[i]!, 0));
    expect(expected.filter((v) => v === 0)).toHaveLength(2);
    const w = await trainLinear(tf.tensor2d(X), tf.tensor2d(Array.from(y), [8, 1]), [l1({ alpha, method: 'proximal' })], 600, 0.1);
    w.forEach((v, i) => {
      if (expected[i] === 0) expect(Math.abs(v)).toBe(0);
      else expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-5);
    });
  });

  it('elastic net (proximal) with a diagonal Hessian reaches wᵢ = sign(wᵢ*)·max(Hᵢᵢ|wᵢ*| − α₁, 0)/(Hᵢᵢ + α₂), by hand', async () => {
    // per coordinate: minimise Hᵢᵢ/2·(w − wᵢ*)² + α₂/2·w² + α₁|w|; the subgradient condition gives the closed form
    const wStar = [2, 0.05, -1, -0.03, -0.4];
    const y = matVec(X, wStar);
    const [a1, a2] = [0.3, 0.5];
    const H = s.map((si) => 2 * si * si);
    const expected = wStar.map((w, i) => (Math.sign(w) * Math.max(H[i]! * Math.abs(w) - a1, 0)) / (H[i]! + a2));
    expect(expected.filter((v) => v === 0)).toHaveLength(2);
    const w = await trainLinear(tf.tensor2d(X), tf.tensor2d(Array.from(y), [8, 1]), [elasticNet({ l1: a1, l2: a2, method: 'proximal' })], 600, 0.1);
    w.forEach((v, i) => {
      if (expected[i] === 0) expect(Math.abs(v)).toBe(0);
      else expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-5);
    });
  });
});
