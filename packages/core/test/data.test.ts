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
});
