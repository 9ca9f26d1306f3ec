import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { HostRandom, hostRandomFill, nn, RandomStream, registerRandomFill, Trainer } from '@tikhonov/core';

describe('RandomStream', () => {
  const n = 200_000;
  it('normal draws have the moments of N(0, 1) (mean, variance, skewness, kurtosis within 4σ) and the right tail mass', () => {
    const v = Array.from(new RandomStream([1, 'test']).normal([n]).dataSync());
    let s1 = 0, s2 = 0, s3 = 0, s4 = 0, tail = 0;
    for (const x of v) {
      s1 += x; s2 += x * x; s3 += x ** 3; s4 += x ** 4;
      if (Math.abs(x) > 3.4426) tail++; // beyond the Ziggurat's base strip
    }
    expect(Math.abs(s1 / n)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
    expect(Math.abs(s3 / n)).toBeLessThan(4 * Math.sqrt(15 / n));
    expect(Math.abs(s4 / n - 3)).toBeLessThan(4 * Math.sqrt(96 / n));
    // P(|Z| > 3.4426) = 5.76e-4: within 4σ of a binomial count
    const p = 5.7613e-4;
    expect(Math.abs(tail - n * p)).toBeLessThan(4 * Math.sqrt(n * p));
  });
  it('uniform and Bernoulli draws have the right mean; streams repeat by key and differ across keys', () => {
    const u = Array.from(new RandomStream([2]).uniform([n], -1, 3).dataSync());
    expect(Math.abs(u.reduce((a, b) => a + b, 0) / n - 1)).toBeLessThan(4 * Math.sqrt(16 / 12 / n));
    expect(Math.min(...u.slice(0, 1000))).toBeGreaterThanOrEqual(-1);
    const keep = 0.3;
    const b = Array.from(new RandomStream([3]).bernoulli([n], keep).dataSync());
    expect(Math.abs(b.reduce((a, c) => a + c, 0) / n - keep)).toBeLessThan(4 * Math.sqrt((keep * (1 - keep)) / n));
    expect(Array.from(new RandomStream([4, 'x']).normal([5]).dataSync())).toEqual(Array.from(new RandomStream([4, 'x']).normal([5]).dataSync()));
    expect(Array.from(new RandomStream([4, 'x']).normal([5]).dataSync())).not.toEqual(Array.from(new RandomStream([4, 'y']).normal([5]).dataSync()));
  });
  it('a fill registered for the active backend draws the arrays; unregistered, the JavaScript reference does', () => {
    const draw = () => Array.from(new RandomStream([5, 'fill']).normal([6], 1, 2).dataSync());
    const reference = new Float32Array(6);
    hostRandomFill.normal(reference, new RandomStream([5, 'fill']).nextSeed(), 1, 2);
    expect(draw()).toEqual(Array.from(reference));
    const calls: Array<[number, number, number]> = [];
    registerRandomFill(tf.getBackend(), {
      ...hostRandomFill,
      normal: (out, seed, mean, stddev) => {
        calls.push([seed, mean, stddev]);
        out.fill(7);
      },
    });
    try {
      expect(draw()).toEqual([7, 7, 7, 7, 7, 7]);
      expect(calls).toEqual([[new RandomStream([5, 'fill']).nextSeed(), 1, 2]]);
    } finally {
      registerRandomFill(tf.getBackend(), undefined);
    }
    expect(draw()).toEqual(Array.from(reference));
  });
});


describe('one generator family: HostRandom and the initialisers', () => {
  it('HostRandom: uniform doubles with the moments of U(0, 1), integers of [0, 7) equally often (χ² within its 99.9 % bound), permutations', () => {
    const n = 100_000;
    const rng = new HostRandom(9);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      s1 += u;
      s2 += u * u;
    }
    expect(Math.abs(s1 / n - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(s2 / n - 1 / 3)).toBeLessThan(4 * Math.sqrt(4 / 45 / n));
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[rng.int(7)]++;
    const chi2 = counts.reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi2).toBeLessThan(22.46); // χ²(6) at 0.999
    const p = new HostRandom(3).permutation(1000);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(new HostRandom(3).permutation(1000))).toEqual(Array.from(p));
    expect(Array.from(new HostRandom(4).permutation(1000))).not.toEqual(Array.from(p));
  });

  it('He-normal kernels are truncated at 2σ with variance 2/fanIn; Glorot-uniform ones fill ±√(6/(fanIn+fanOut)) with variance limit²/3', () => {
    const t = new Trainer({ model: nn.sequential([nn.dense(400, { activation: 'relu' }), nn.dense(300, { activation: 'tanh' })]), loss: 'mse', inputShape: [500], progress: false });
    const he = t.params.get('dense_1/kernel').variable.dataSync();
    const glorot = t.params.get('dense_2/kernel').variable.dataSync();
    const moments = (v: ArrayLike<number>) => {
      let m = 0;
      let q = 0;
      for (let i = 0; i < v.length; i++) {
        m += v[i]!;
        q += v[i]! * v[i]!;
      }
      return { mean: m / v.length, variance: q / v.length - (m / v.length) ** 2 };
    };
    const maxAbs = (v: ArrayLike<number>) => {
      let m = 0;
      for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
      return m;
    };
    const heVar = 2 / 500;
    const sigma = Math.sqrt(heVar) / 0.87962566; // the untruncated σ
    expect(maxAbs(he)).toBeLessThanOrEqual(2 * sigma * (1 + 1e-6));
    const h = moments(he);
    // a ±2σ-truncated normal has kurtosis ≈ 2.36, so var(x²) ≈ 1.36·v²
    expect(Math.abs(h.variance - heVar)).toBeLessThan(4 * heVar * Math.sqrt(1.36 / he.length));
    expect(Math.abs(h.mean)).toBeLessThan(4 * Math.sqrt(heVar / he.length));
    const limit = Math.sqrt(6 / (400 + 300));
    expect(maxAbs(glorot)).toBeLessThanOrEqual(limit);
    const g = moments(glorot);
    // var(x²) for U(−L, L) is 4L⁴/45
    expect(Math.abs(g.variance - limit ** 2 / 3)).toBeLessThan(4 * Math.sqrt((4 * limit ** 4) / 45 / glorot.length));
    t.dispose();
  });
});
