import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { dataset, learningCurvesSvg } from '@tikhonov/core';

describe('data helpers', () => {
  it('split partitions every example once, seeded', () => {
    const d = dataset.fromArrays(Array.from({ length: 100 }, (_, i) => [i]), Array.from({ length: 100 }, (_, i) => i % 2));
    const [a, b, c] = dataset.split(d, [0.6, 0.2, 0.2], 5);
    expect([a!.size, b!.size, c!.size]).toEqual([60, 20, 20]);
    const all = [a!, b!, c!].flatMap((p) => Array.from(p.x.dataSync())).sort((p, q) => p - q);
    expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const [again] = dataset.split(d, [0.6, 0.2, 0.2], 5);
    expect(Array.from(again!.x.dataSync())).toEqual(Array.from(a!.x.dataSync()));
    expect(() => dataset.split(d, [0.8, 0.4])).toThrow(/option 'fractions'/);
  });

  it('a bootstrap sample holds about 1 − 1/e ≈ 63.2% unique examples (seed §7.10)', () => {
    // Expected unique fraction is 1 − (1 − 1/n)^n; its std for n = 10 000 is ≈ 0.0027.
    const n = 10_000;
    const expected = 1 - (1 - 1 / n) ** n;
    const fractions = [1, 2, 3, 4, 5].map((seed) => new Set(dataset.bootstrapIndices(n, seed)).size / n);
    for (const f of fractions) expect(Math.abs(f - expected)).toBeLessThan(4 * 0.0027);
    expect(expected).toBeCloseTo(1 - Math.exp(-1), 4);
  });

  it('standardize gives zero mean and unit variance per feature', () => {
    const d = dataset.fromArrays([[1, 10], [2, 20], [3, 60]], [0, 1, 0]);
    const s = dataset.fitStandardizer(d.x);
    const z = dataset.standardize(d, s);
    const { mean, variance } = tf.moments(z.x, 0);
    mean.dataSync().forEach((m) => expect(m).toBeCloseTo(0, 5));
    variance.dataSync().forEach((v) => expect(v).toBeCloseTo(1, 4));
  });

  it('learning curves render as an SVG with one path per series and markers', () => {
    const svg = learningCurvesSvg(
      [
        { label: 'train', points: [[1, 1], [2, 0.5], [3, 0.3]] },
        { label: 'validation', points: [[1, 1.1], [2, 0.7], [3, Number.NaN]], dashed: true },
      ],
      { title: 'loss <per> epoch', markers: [{ x: 2, label: 'i*' }] },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path d="M/g)).toHaveLength(2);
    expect(svg).toContain('loss &lt;per&gt; epoch');
    expect(svg).toContain('>i*</text>');
  });

  it('a dots series draws one circle per finite point (plus its legend dot) and no path', () => {
    const svg = learningCurvesSvg([{ label: 'data', points: [[0, 0], [1, 2], [2, Number.NaN], [4, 4]], dots: true }], { width: 400, height: 300 });
    const circles = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(circles).toHaveLength(4);
    expect(svg).not.toContain('<path');
    // the x scale is linear: the data dots at x = 0, 1, 4 sit at equal pixel steps per unit
    const [a, b, c] = circles;
    expect((c![0]! - a![0]!) / 4).toBeCloseTo(b![0]! - a![0]!, 6);
    // y grows upwards: y = 2 sits above y = 0, y = 4 above y = 2 by the same pixels
    expect(a![1]! - b![1]!).toBeCloseTo(b![1]! - c![1]!, 6);
  });

  it('a chart takes 200 000 points (was a RangeError from Math.min(...xs)), drawing at most 2 000 of them and the whole x range', () => {
    const points = Array.from({ length: 200_000 }, (_, i) => [i + 1, Math.sin(i / 1000)] as const);
    const svg = learningCurvesSvg([{ label: 'loss per step', points }]);
    const d = svg.match(/<path d="([^"]+)"/)![1]!;
    const drawn = d.split(/[ML]/).filter(Boolean).length;
    expect(drawn).toBeLessThanOrEqual(2001);
    expect(drawn).toBeGreaterThan(1000);
    expect(svg).toContain('>200000</text>');
  });
});
