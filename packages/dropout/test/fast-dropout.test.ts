// Fast dropout (Wang & Manning 2013), named in seed §7.11: the dropout sum of a
// dense layer's pre-activation replaced by a Gaussian with its exact moments.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Order, Trainer, type Plugin } from '@tikhonov/core';
import { dropoutSumMoments, fastDropoutDense } from '@tikhonov/dropout';

/** The exact distribution of z = Σᵢ (mᵢ/(1 − p))·hᵢwᵢ over all 2ⁿ masks: values and probabilities. */
function exactDropoutSum(h: number[], w: number[], rate: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let m = 0; m < 2 ** h.length; m++) {
    let z = 0;
    let p = 1;
    h.forEach((hi, i) => {
      const keep = (m >> i) & 1;
      p *= keep ? 1 - rate : rate;
      if (keep) z += (hi * w[i]!) / (1 - rate);
    });
    out.push([z, p]);
  }
  return out;
}

/** Φ by the Abramowitz–Stegun erf approximation (|error| < 1.5e-7). */
function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return 0.5 * (1 + (x >= 0 ? erf : -erf));
}

/** Records the output site's values (the layer's z when it is the last, linear layer). */
function outputTap(store: number[][], modes: Plugin['modes'] = ['train']): Plugin {
  return { name: 'tap', apiVersion: 2, order: Order.earlyStopping, modes, transformActivation: (site, h) => (site.kind === 'output' && store.push(Array.from(h.dataSync())), h) };
}

describe('fastDropoutDense (seed §7.11, Wang & Manning 2013)', () => {
  it('the moments are those of the dropout sum over all 2ⁿ masks, and the sum approaches that Gaussian as the fan-in grows (Kolmogorov distance)', () => {
    const rate = 0.5;
    const distance = (n: number) => {
      const h = Array.from({ length: n }, (_, i) => 0.5 + Math.sin(i + 1) ** 2);
      const w = Array.from({ length: n }, (_, i) => Math.cos(3 * i + 1));
      const exact = exactDropoutSum(h, w, rate);
      const mean = exact.reduce((s, [z, p]) => s + p * z, 0);
      const variance = exact.reduce((s, [z, p]) => s + p * (z - mean) ** 2, 0);
      const { mean: mu, variance: s2 } = tf.tidy(() => {
        const m = dropoutSumMoments(tf.tensor2d([h]), tf.tensor2d(w, [n, 1]), tf.zeros([1]), rate);
        return { mean: m.mean.dataSync()[0]!, variance: m.variance.dataSync()[0]! };
      });
      expect(Math.abs(mu - mean)).toBeLessThan(1e-5 * Math.max(1, Math.abs(mean)));
      expect(Math.abs(s2 - variance)).toBeLessThan(1e-5 * variance);
      // sup |F_exact − Φ((z − μ)/s)| over the atoms of the exact distribution, on both sides of each jump
      const sorted = [...exact].sort((a, b) => a[0] - b[0]);
      let cdf = 0;
      let sup = 0;
      for (const [z, p] of sorted) {
        const g = normalCdf((z - mean) / Math.sqrt(variance));
        sup = Math.max(sup, Math.abs(cdf - g));
        cdf += p;
        sup = Math.max(sup, Math.abs(cdf - g));
      }
      return sup;
    };
    const [d4, d8, d16] = [distance(4), distance(8), distance(16)];
    console.log(`Kolmogorov distance between the dropout sum and its Gaussian: n = 4: ${d4.toFixed(3)}, 8: ${d8.toFixed(3)}, 16: ${d16.toFixed(3)}`);
    expect(d8).toBeLessThan(d4);
    expect(d16).toBeLessThan(d8);
    expect(d16).toBeLessThan(0.02);
  });

  it('training draws z ~ N(μ, s²) (mean and variance within 3σ over 4000 draws per unit), seeded; inference is μ; sampled predictions draw', async () => {
    const rate = 0.3;
    const n = 4000;
    const store: number[][] = [];
    const make = () => new Trainer({ model: fastDropoutDense(3, { rate }), loss: 'mse', optimizer: { name: 'sgd', learningRate: 1e-9 }, plugins: [outputTap(store, ['train', 'sample'])], inputShape: [5], seed: 9, progress: false });
    const t = make();
    const h = [0.5, -1, 2, 0.3, 1.5];
    const W = t.params.get('fastDropoutDense_1/kernel').variable.arraySync() as number[][];
    t.params.get('fastDropoutDense_1/bias').variable.assign(tf.tensor1d([0.1, -0.2, 0.3]));
    const b = [0.1, -0.2, 0.3];
    const x = tf.tensor2d(Array.from({ length: n }, () => h));
    await t.fit({ x, y: tf.zeros([n, 3]), size: n }, { epochs: 1, batchSize: n });
    for (let j = 0; j < 3; j++) {
      const mu = b[j]! + h.reduce((s, v, i) => s + v * W[i]![j]!, 0);
      const s2 = (rate / (1 - rate)) * h.reduce((s, v, i) => s + v * v * W[i]![j]! ** 2, 0);
      const z = Array.from({ length: n }, (_, e) => store[0]![e * 3 + j]!);
      const mean = z.reduce((a, v) => a + v, 0) / n;
      const variance = z.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
      expect(Math.abs(mean - mu)).toBeLessThan(3 * Math.sqrt(s2 / n));
      expect(Math.abs(variance - s2)).toBeLessThan(3 * s2 * Math.sqrt(2 / (n - 1)));
      // and inference is μ exactly
      const inferred = tf.tidy(() => (t.predict(tf.tensor2d([h])) as tf.Tensor).dataSync()[j]!);
      expect(inferred).toBeCloseTo(mu, 5);
    }
    const sampled = new Set(Array.from({ length: 5 }, () => tf.tidy(() => (t.predict(tf.tensor2d([h]), { sample: true }) as tf.Tensor).dataSync()[0]!.toFixed(6))));
    expect(sampled.size).toBe(5);
    t.dispose();
    // the same seed draws the same numbers
    const first = store[0]!.slice(0, 30);
    store.length = 0;
    const again = make();
    again.params.get('fastDropoutDense_1/bias').variable.assign(tf.tensor1d(b));
    await again.fit({ x, y: tf.zeros([n, 3]), size: n }, { epochs: 1, batchSize: n });
    expect(store[0]!.slice(0, 30)).toEqual(first);
    again.dispose();
  });

  it('the gradient is the reparameterised one: ∂z/∂Wᵢⱼ = hᵢ + εⱼ·(p/(1 − p))·hᵢ²Wᵢⱼ/sⱼ, checked on one SGD step by hand', async () => {
    const rate = 0.4;
    const store: number[][] = [];
    const t = new Trainer({ model: fastDropoutDense(2, { rate }), loss: 'mse', optimizer: { name: 'sgd', learningRate: 1 }, plugins: [outputTap(store)], inputShape: [3], seed: 4, progress: false });
    const xs = [[0.4, -1.1, 0.7], [1.3, 0.2, -0.5]];
    const ys = [[0.5, -0.3], [-0.2, 0.8]];
    const W = t.params.get('fastDropoutDense_1/kernel').variable.arraySync() as number[][];
    await t.fit({ x: tf.tensor2d(xs), y: tf.tensor2d(ys), size: 2 }, { epochs: 1, batchSize: 2, shuffle: false });
    const after = t.params.get('fastDropoutDense_1/kernel').variable.arraySync() as number[][];
    const z = store[0]!;
    const c = rate / (1 - rate);
    // loss = mean over examples and outputs of (z − y)²: ∂L/∂z = 2(z − y)/(2·2)
    const grad = W.map((row) => row.map(() => 0));
    xs.forEach((h, e) => {
      for (let j = 0; j < 2; j++) {
        const mu = h.reduce((s, v, i) => s + v * W[i]![j]!, 0);
        const s = Math.sqrt(c * h.reduce((a, v, i) => a + v * v * W[i]![j]! ** 2, 0));
        const eps = (z[e * 2 + j]! - mu) / s; // the draw, recovered from z
        const dz = (2 * (z[e * 2 + j]! - ys[e]![j]!)) / 4;
        h.forEach((hi, i) => (grad[i]![j]! += dz * (hi + (eps * c * hi * hi * W[i]![j]!) / s)));
      }
    });
    W.forEach((row, i) => row.forEach((w, j) => expect(Math.abs(w - grad[i]![j]! - after[i]![j]!)).toBeLessThan(1e-5)));
    t.dispose();
  });

  it('options are checked, naming the option, the value and what is allowed', () => {
    expect(() => fastDropoutDense(0, { rate: 0.5 })).toThrow(/units.*0.*positive integer/);
    expect(() => fastDropoutDense(3, { rate: 1 })).toThrow(/rate.*1.*\[0, 1\)/);
    expect(() => fastDropoutDense(3, { rate: 0.5, activation: 'gelu' as never })).toThrow(/activation.*gelu.*linear, relu, tanh, sigmoid/);
  });
});
