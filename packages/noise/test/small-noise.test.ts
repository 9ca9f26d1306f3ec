// Seed §7.6.1 eq. 7.17 and §7.6.2 eq. 7.22 for non-linear nets: for small noise
// of covariance νI (inputs) or ηI (weights), the expected noisy squared error
// is J + ν·E[(ŷ − y)·tr ∇²ŷ] + ν·E[‖∇ŷ‖²] + O(ν²); where ŷ = E[y | x] only the
// gradient term is left. The expectations over the noise are computed by
// Gauss–Hermite quadrature in float64 (exact for polynomials of degree < 2n,
// and the integrands here are smooth), independently of the plugins; the
// gradients and Hessian traces are worked out by hand. The error is shown to
// be O(ν²) by halving ν: it falls about fourfold.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nn, Trainer } from '@tikhonov/core';
import { symmetricEigen } from '@tikhonov/norm-penalties';
import { jacobianPenalty } from '@tikhonov/noise';

/** Nodes and weights of the n-point Gauss–Hermite rule for E f(Z), Z ~ N(0, 1) (Golub–Welsch: the Jacobi matrix of He_n). */
function gaussHermite(n: number): { nodes: number[]; weights: number[] } {
  const J = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (Math.abs(i - j) === 1 ? Math.sqrt(Math.max(i, j)) : 0)));
  const { values, vectors } = symmetricEigen(J);
  return { nodes: values, weights: values.map((_, k) => vectors[0]![k]! ** 2) };
}

/** E f(Z) for Z ~ N(0, I_d) by the tensor-product rule. */
function expectNormal(d: number, rule: { nodes: number[]; weights: number[] }, f: (z: number[]) => number): number {
  let total = 0;
  const idx = new Array<number>(d).fill(0);
  const n = rule.nodes.length;
  for (let count = 0; count < n ** d; count++) {
    let w = 1;
    const z = idx.map((k) => {
      w *= rule.weights[k]!;
      return rule.nodes[k]!;
    });
    total += w * f(z);
    for (let j = 0; j < d && ++idx[j]! === n; j++) idx[j] = 0;
  }
  return total;
}

/** The ratios error(ν)/error(ν/2) over successive halvings of ν: 4 for an O(ν²) error, 2 for O(ν). */
const halvingRatios = (errors: number[]) => errors.slice(1).map((e, i) => errors[i]! / e);
/** Asserts the errors are O(ν²): each halving of ν divides them by 4 ± 0.5. */
const expectSecondOrder = (errors: number[]) => halvingRatios(errors).forEach((r) => expect(Math.abs(r - 4)).toBeLessThan(0.5));

describe('input noise on a tanh net (seed §7.6.1, eq. 7.17)', () => {
  // ŷ(x) = b₂ + Σᵤ vᵤ tanh(aᵤ), aᵤ = bᵤ + Σ_d W_du x_d: a 2-5-1 net with the params of a seeded Trainer
  const xs = [[0.3, -0.8], [1.1, 0.4], [-0.6, 0.9], [0.0, 0.2], [-1.2, -0.3], [0.7, 1.3]];
  const t = new Trainer({ model: nn.sequential([nn.dense(5, { activation: 'tanh' }), nn.dense(1)]), loss: 'mse', optimizer: { name: 'sgd', learningRate: 0.1 }, seed: 4, progress: false });
  t.build([2]);
  const read = (name: string) => Array.from(t.params.get(name).variable.dataSync());
  const [W, b, v, c] = [read('dense_1/kernel'), read('dense_1/bias'), read('dense_2/kernel'), read('dense_2/bias')[0]!];
  t.dispose();
  const hidden = (x: number[]) => b.map((bu, u) => Math.tanh(bu + x[0]! * W[u]! + x[1]! * W[5 + u]!));
  const f = (x: number[]) => c + hidden(x).reduce((s, h, u) => s + v[u]! * h, 0);
  // ∂ŷ/∂x_d = Σᵤ vᵤ(1 − hᵤ²)W_du;  ∂²ŷ/∂x_d² = Σᵤ vᵤ·(−2hᵤ(1 − hᵤ²))·W_du²
  const grad = (x: number[]) => [0, 1].map((d) => hidden(x).reduce((s, h, u) => s + v[u]! * (1 - h * h) * W[d * 5 + u]!, 0));
  const hessTrace = (x: number[]) => [0, 1].reduce((acc, d) => acc + hidden(x).reduce((s, h, u) => s - 2 * v[u]! * h * (1 - h * h) * W[d * 5 + u]! ** 2, 0), 0);
  const rule = gaussHermite(20);
  const noisyMinusClean = (ys: number[], nu: number) =>
    xs.reduce((s, x, i) => s + expectNormal(2, rule, (z) => (f([x[0]! + Math.sqrt(nu) * z[0]!, x[1]! + Math.sqrt(nu) * z[1]!]) - ys[i]!) ** 2) - (f(x) - ys[i]!) ** 2, 0) / xs.length;
  const gradTerm = xs.reduce((s, x) => s + grad(x).reduce((a, g) => a + g * g, 0), 0) / xs.length;
  const nus = [0.02, 0.01, 0.005, 0.0025];

  it('with residuals, E[noisy] − J = ν(E[(ŷ − y)·tr ∇²ₓŷ] + E‖∇ₓŷ‖²) + O(ν²): the error falls fourfold as ν halves', () => {
    const ys = xs.map((x, i) => f(x) + [0.5, -0.7, 0.3, 0.9, -0.4, 0.6][i]!);
    const hessTerm = xs.reduce((s, x, i) => s + (f(x) - ys[i]!) * hessTrace(x), 0) / xs.length;
    expect(Math.abs(hessTerm)).toBeGreaterThan(0.05 * gradTerm); // the Hessian term is not negligible here
    const errors = nus.map((nu) => noisyMinusClean(ys, nu) - nu * (hessTerm + gradTerm));
    expectSecondOrder(errors);
    // dropping the Hessian term leaves an O(ν) error instead: halving ν only halves it
    const without = nus.map((nu) => noisyMinusClean(ys, nu) - nu * gradTerm);
    halvingRatios(without).forEach((r) => expect(Math.abs(r - 2)).toBeLessThan(0.25));
  });

  it('at ŷ = E[y | x] the noise adds ν·E‖∇ₓŷ‖² + O(ν²), and jacobianPenalty(ν) adds exactly ν·E‖∇ₓŷ‖² to the loss', async () => {
    const ys = xs.map(f);
    const errors = nus.map((nu) => noisyMinusClean(ys, nu) - nu * gradTerm);
    expectSecondOrder(errors);
    const nu = 0.01;
    const firstLoss = async (withPenalty: boolean) => {
      const s = new Trainer({ model: nn.sequential([nn.dense(5, { activation: 'tanh' }), nn.dense(1)]), loss: 'mse', optimizer: { name: 'sgd', learningRate: 0.1 }, plugins: withPenalty ? [jacobianPenalty({ nu })] : [], seed: 4, logEvery: 1, progress: false });
      await s.fit({ x: tf.tensor2d(xs), y: tf.tensor2d(ys, [xs.length, 1]), size: xs.length }, { epochs: 1, batchSize: xs.length, shuffle: false });
      const loss = s.history.logs[0]!.loss!;
      s.dispose();
      return loss;
    };
    const added = (await firstLoss(true)) - (await firstLoss(false));
    expect(Math.abs(added - nu * gradTerm)).toBeLessThan(1e-6 + 1e-4 * nu * gradTerm);
  });
});

describe('weight noise on a tanh net (seed §7.6.2, eq. 7.22)', () => {
  // ŷ(x) = Σᵤ vᵤ tanh(wᵤx), two hidden units and no biases: four weights θ = (w₁, w₂, v₁, v₂),
  // so E over θ + √η·Z, Z ~ N(0, I₄), is a four-dimensional quadrature
  const theta = [0.9, -1.4, 1.2, 0.7];
  const xs = [-1.5, -0.7, -0.2, 0.4, 0.9, 1.6];
  const f = (th: number[], x: number) => th[2]! * Math.tanh(th[0]! * x) + th[3]! * Math.tanh(th[1]! * x);
  // ∂ŷ/∂wᵤ = vᵤ(1 − tᵤ²)x, ∂ŷ/∂vᵤ = tᵤ; tr ∇²ŷ = Σᵤ −2vᵤtᵤ(1 − tᵤ²)x² (∂²ŷ/∂vᵤ² = 0)
  const gradSq = (x: number) => [0, 1].reduce((s, u) => {
    const tu = Math.tanh(theta[u]! * x);
    return s + (theta[2 + u]! * (1 - tu * tu) * x) ** 2 + tu * tu;
  }, 0);
  const hessTrace = (x: number) => [0, 1].reduce((s, u) => {
    const tu = Math.tanh(theta[u]! * x);
    return s - 2 * theta[2 + u]! * tu * (1 - tu * tu) * x * x;
  }, 0);
  const rule = gaussHermite(10);
  const noisyMinusClean = (ys: number[], eta: number) =>
    xs.reduce((s, x, i) => s + expectNormal(4, rule, (z) => (f(theta.map((th, k) => th + Math.sqrt(eta) * z[k]!), x) - ys[i]!) ** 2) - (f(theta, x) - ys[i]!) ** 2, 0) / xs.length;
  const gradTerm = xs.reduce((s, x) => s + gradSq(x), 0) / xs.length;
  const etas = [0.02, 0.01, 0.005, 0.0025];

  it('E[noisy] − J = η(E[(ŷ − y)·tr ∇²_W ŷ] + E‖∇_W ŷ‖²) + O(η²); at ŷ = E[y | x] only η·E‖∇_W ŷ‖² is left', () => {
    const ys = xs.map((x, i) => f(theta, x) + [0.6, -0.5, 0.8, -0.3, 0.4, -0.9][i]!);
    const hessTerm = xs.reduce((s, x, i) => s + (f(theta, x) - ys[i]!) * hessTrace(x), 0) / xs.length;
    expect(Math.abs(hessTerm)).toBeGreaterThan(0.05 * gradTerm);
    const errors = etas.map((eta) => noisyMinusClean(ys, eta) - eta * (hessTerm + gradTerm));
    expectSecondOrder(errors);
    const fitted = xs.map((x) => f(theta, x));
    const fittedErrors = etas.map((eta) => noisyMinusClean(fitted, eta) - eta * gradTerm);
    expectSecondOrder(fittedErrors);
    // the regulariser is a real one: it depends on the weights (unlike linear regression's ηE‖x‖²)
    expect(gradTerm).not.toBeCloseTo(xs.reduce((s, x) => s + x * x, 0) / xs.length, 2);
  });
});
