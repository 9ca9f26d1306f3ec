import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { hostRandomFill, RandomStream, registerRandomFill } from '@tikhonov/core';

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

