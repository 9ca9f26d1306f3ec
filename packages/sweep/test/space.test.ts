import { describe, expect, it } from 'vitest';
import { choice, gridOf, intRange, logRange, range, sampleOf, when } from '@tikhonov/sweep';

describe('search spaces', () => {
  it('grid enumerates exactly the cartesian product: every combination once, nothing else', () => {
    const space = { optimizer: choice(['adam', 'sgd', 'rmsprop']), alpha: logRange(1e-4, 1e-1, { steps: 4 }), units: intRange(1, 3) };
    const rows = gridOf(space);
    // the product by nested loops, written independently of gridOf
    const expected: string[] = [];
    for (const optimizer of ['adam', 'sgd', 'rmsprop']) for (const alpha of [1e-4, 1e-3, 1e-2, 1e-1]) for (const units of [1, 2, 3]) expected.push(`${optimizer}|${alpha.toPrecision(12)}|${units}`);
    const got = rows.map((r) => `${r.optimizer}|${(r.alpha as number).toPrecision(12)}|${r.units}`);
    expect(got.length).toBe(36);
    expect(new Set(got).size).toBe(36);
    expect([...got].sort()).toEqual([...expected].sort());
  });

  it('a log grid is geometric and a linear grid arithmetic, both ends exact', () => {
    const log = gridOf({ a: logRange(1e-5, 1e-1, { steps: 5 }) }).map((r) => r.a as number);
    expect(log[0]).toBe(1e-5);
    expect(log[4]).toBe(1e-1);
    for (let i = 1; i < 5; i++) expect(log[i]! / log[i - 1]!).toBeCloseTo(10, 10);
    expect(gridOf({ r: range(0, 0.5, { steps: 3 }) }).map((r) => r.r)).toEqual([0, 0.25, 0.5]);
  });

  it('a conditional dimension exists only where its condition holds ("maxNorm only with dropout")', () => {
    const space = { rate: choice([0, 0.2, 0.5]), maxNorm: when((p) => p.rate !== 0, choice([2, 3])) };
    const rows = gridOf(space);
    expect(rows).toEqual([{ rate: 0 }, { rate: 0.2, maxNorm: 2 }, { rate: 0.2, maxNorm: 3 }, { rate: 0.5, maxNorm: 2 }, { rate: 0.5, maxNorm: 3 }]);
    for (const r of sampleOf(space, 200, 3)) expect('maxNorm' in r).toBe(r.rate !== 0);
  });

  it('random draws reproduce under a seed, differ under another, and follow their scales', () => {
    const space = { alpha: logRange(1e-6, 1e-2), rate: range(0.1, 0.6), layers: intRange(1, 4), act: choice(['relu', 'tanh']) };
    expect(sampleOf(space, 50, 7)).toEqual(sampleOf(space, 50, 7));
    expect(sampleOf(space, 50, 7)).not.toEqual(sampleOf(space, 50, 8));
    const draws = sampleOf(space, 4000, 1);
    for (const d of draws) {
      expect(d.alpha).toBeGreaterThanOrEqual(1e-6);
      expect(d.alpha).toBeLessThanOrEqual(1e-2);
      expect(d.rate).toBeGreaterThanOrEqual(0.1);
      expect(d.rate).toBeLessThanOrEqual(0.6);
    }
    // log-uniform: half the mass lies below the geometric mean 1e-4 (a linear draw would put 1 %
    // there); each decade holds a quarter. Binomial σ for n = 4000, p = ½ is ≈ 0.0079.
    const below = draws.filter((d) => (d.alpha as number) < 1e-4).length / draws.length;
    expect(Math.abs(below - 0.5)).toBeLessThan(3 * 0.0079);
    const firstDecade = draws.filter((d) => (d.alpha as number) < 1e-5).length / draws.length;
    expect(Math.abs(firstDecade - 0.25)).toBeLessThan(3 * Math.sqrt(0.25 * 0.75 / 4000));
    // every integer of [1, 4] is hit about equally
    for (let k = 1; k <= 4; k++) expect(Math.abs(draws.filter((d) => d.layers === k).length / 4000 - 0.25)).toBeLessThan(3 * Math.sqrt(0.25 * 0.75 / 4000));
  });

  it('bad dimensions and grids say what is wrong', () => {
    expect(() => choice([])).toThrow(/values.*non-empty/);
    expect(() => choice([{} as never])).toThrow(/plain JSON/);
    expect(() => range(2, 1)).toThrow(/low < high/);
    expect(() => logRange(0, 1)).toThrow(/low.*> 0 on a log scale/);
    expect(() => intRange(0.5, 3)).toThrow(/integers/);
    expect(() => range(0, 1, { steps: 1 })).toThrow(/steps.*≥ 2/);
    expect(() => gridOf({ lr: logRange(1e-3, 1) })).toThrow(/space\.lr.*needs \{ steps \}/);
    expect(() => gridOf({ lr: 0.1 as never })).toThrow(/space\.lr.*choice, range/);
    expect(() => gridOf({})).toThrow(/space.*object of dimensions/);
  });
});
