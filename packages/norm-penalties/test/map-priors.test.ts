// Seed §7.1 eq. 7.1 and §7.2.3 (decks 000, 004): minimising J + αΩ is finding the
// MAP estimate, L² for a Gaussian prior N(0, α⁻¹I), L¹ for an isotropic Laplace
// prior. Each oracle below maximises log p(w) + Σ log p(y | x, w) written from
// the densities themselves, in float64, by a method that shares nothing with
// the plugins (Newton's method; coordinate-wise golden-section search).
import * as tf from '@tensorflow/tfjs-core';
import { Matrix, solve } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { linearRegression, normals } from '@tikhonov/datasets';
import { l1, l2 } from '@tikhonov/norm-penalties';
import { dot, rowsOf, trainLinear } from './helpers.js';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

describe('L² is MAP under a Gaussian prior (seed §7.2.3)', () => {
  // Logistic regression, m examples. Our loss is (1/m)Σ −log p(yᵢ | xᵢ, w) + α/2‖w‖²;
  // m times it is −Σ log p(yᵢ | xᵢ, w) − log N(w; 0, (mα)⁻¹I) + const, so the prior's
  // precision is λ = mα.
  const m = 30;
  const d = 3;
  const z = normals(m * d + m, 11);
  const X = rowsOf(z, m, d);
  const trueW = [1.5, -2, 0.5];
  const y = X.map((x, i) => (z[m * d + i]! * 1.5 + dot(x, trueW) > 0 ? 1 : 0)); // noisy labels: not separable
  const alpha = 0.05;
  const lambda = m * alpha;

  const logPosterior = (w: number[]) => {
    const logLik = X.reduce((s, x, i) => s + (y[i] ? Math.log(sigmoid(dot(x, w))) : Math.log(1 - sigmoid(dot(x, w)))), 0);
    const logPrior = -0.5 * lambda * dot(w, w) - (d / 2) * Math.log((2 * Math.PI) / lambda); // log N(w; 0, λ⁻¹I)
    return logLik + logPrior;
  };

  /** argmax of the log-posterior by Newton's method: gradient Xᵀ(y − σ) − λw, Hessian −XᵀSX − λI. */
  const mapByNewton = (precision = lambda) => {
    let w = [0, 0, 0];
    for (let it = 0; it < 50; it++) {
      const s = X.map((x) => sigmoid(dot(x, w)));
      const grad = w.map((wj, j) => X.reduce((acc, x, i) => acc + x[j]! * (y[i]! - s[i]!), 0) - precision * wj);
      const H = Matrix.zeros(d, d);
      for (let i = 0; i < m; i++) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) H.set(a, b, H.get(a, b) + X[i]![a]! * X[i]![b]! * s[i]! * (1 - s[i]!));
      for (let a = 0; a < d; a++) H.set(a, a, H.get(a, a) + precision);
      const step = solve(H, Matrix.columnVector(grad)).getColumn(0);
      w = w.map((wj, j) => wj + step[j]!);
    }
    return w;
  };

  it('l2(α) trained by gradient descent lands on the maximiser of log N(w; 0, (mα)⁻¹I) + Σ log p(y | x, w) (|Δw| < 1e-4)', async () => {
    const wMap = mapByNewton();
    // the oracle is a maximum: nudging any coordinate lowers the log-posterior
    for (let j = 0; j < d; j++) for (const h of [-1e-3, 1e-3]) expect(logPosterior(wMap.map((v, k) => (k === j ? v + h : v)))).toBeLessThan(logPosterior(wMap));
    const w = await trainLinear(tf.tensor2d(X), tf.tensor2d(y, [m, 1]), [l2({ alpha })], 3000, 1, { loss: 'sigmoidCrossEntropy' });
    w.forEach((v, j) => expect(Math.abs(v - wMap[j]!)).toBeLessThan(1e-4));
    // the prior matters here: the maximum-likelihood fit (λ = 0) is far from it
    const wMle = mapByNewton(0);
    expect(Math.max(...wMle.map((v, j) => Math.abs(v - wMap[j]!)))).toBeGreaterThan(0.1);
  });
});

describe('L¹ is MAP under an isotropic Laplace prior (seed §7.2.3)', () => {
  // Linear regression with Gaussian noise of variance ½: −log p(y | X, w) = ‖y − Xw‖² + const.
  // Our loss (1/m)‖Xw − y‖² + α‖w‖₁ is 1/m times ‖y − Xw‖² + mα‖w‖₁, so the prior is
  // Π Laplace(wᵢ; 0, b) with scale b = 1/(mα).
  const m = 40;
  const d = 5;
  const task = linearRegression({ examples: m, features: d, noise: 0.5, seed: 21, weights: [1.2, 0.03, -0.8, -0.05, 0.4] });
  const X = rowsOf(task.X, m, d);
  const y = Array.from(task.y);
  const alpha = 0.15;
  const b = 1 / (m * alpha);

  const logPosterior = (w: number[]) => {
    const logLik = X.reduce((s, x, i) => s - (y[i]! - dot(x, w)) ** 2, 0);
    const logPrior = w.reduce((s, wi) => s - Math.abs(wi) / b - Math.log(2 * b), 0); // Σ log Laplace(wᵢ; 0, b)
    return logLik + logPrior;
  };

  /** argmax by cyclic coordinate ascent, each coordinate by golden-section search on the log-posterior itself. */
  const mapByCoordinateSearch = () => {
    const w = new Array<number>(d).fill(0);
    const g = (Math.sqrt(5) - 1) / 2;
    for (let sweep = 0; sweep < 300; sweep++) {
      for (let j = 0; j < d; j++) {
        const f = (v: number) => -logPosterior(w.map((wk, k) => (k === j ? v : wk)));
        let [lo, hi] = [w[j]! - 2, w[j]! + 2];
        while (hi - lo > 1e-12) {
          const [a, c] = [hi - g * (hi - lo), lo + g * (hi - lo)];
          if (f(a) < f(c)) hi = c;
          else lo = a;
        }
        // an exact zero is the Laplace prior's kink: keep it if it is at least as good
        w[j] = f(0) <= f((lo + hi) / 2) ? 0 : (lo + hi) / 2;
      }
    }
    return w;
  };

  it('l1(α) with proximal steps lands on the maximiser of Σ log Laplace(wᵢ; 0, 1/(mα)) + log p(y | X, w), zeros included', async () => {
    const wMap = mapByCoordinateSearch();
    const zeros = wMap.map((v) => Math.abs(v) < 1e-9);
    expect(zeros.filter(Boolean).length).toBeGreaterThanOrEqual(1); // the prior's mode at 0 wins somewhere…
    expect(zeros.filter((z) => !z).length).toBeGreaterThanOrEqual(2); // …and not everywhere
    const w = await trainLinear(task.data.x, task.data.y as tf.Tensor, [l1({ alpha, method: 'proximal' })], 2000, 0.05);
    w.forEach((v, j) => {
      if (zeros[j]) expect(Math.abs(v)).toBe(0);
      else expect(Math.abs(v - wMap[j]!)).toBeLessThan(1e-4);
    });
  });
});
