import { describe, expect, it } from 'vitest';
import { downsampleCurve, type CurvePoint } from '@tikhonov/core';

/** The y range of a list of points, by a loop. */
function yRange(points: readonly CurvePoint[]): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (const [, y] of points) {
    if (!Number.isFinite(y)) continue;
    low = Math.min(low, y);
    high = Math.max(high, y);
  }
  return [low, high];
}

describe('downsampleCurve', () => {
  it('keeps a one-point spike and a dip of 200 000 points, the first and last point, in x order, within the bound', () => {
    const points: CurvePoint[] = Array.from({ length: 200_000 }, (_, i) => [i, Math.sin(i / 5000)]);
    points[123_457] = [123_457, 9]; // a divergence spike one step wide
    points[54_321] = [54_321, -7];
    const kept = downsampleCurve(points, 1000);
    expect(kept.length).toBeLessThanOrEqual(1000);
    expect(kept.length).toBeGreaterThan(900);
    expect(kept[0]).toBe(points[0]);
    expect(kept.at(-1)).toBe(points.at(-1));
    expect(kept).toContain(points[123_457]);
    expect(kept).toContain(points[54_321]);
    expect(yRange(kept)).toEqual(yRange(points));
    for (let i = 1; i < kept.length; i++) expect(kept[i]![0]).toBeGreaterThan(kept[i - 1]![0]);
    // what it replaces: every k-th point steps over the spike
    const stride = points.filter((_, i) => i % 200 === 0);
    expect(yRange(stride)[1]).toBeLessThan(1.01);
  });

  it('each bucket holds its lowest and highest value: every kept point is an extreme of its stretch of the input', () => {
    const points: CurvePoint[] = Array.from({ length: 1000 }, (_, i) => [i, ((i * 7919) % 101) / 100]);
    const kept = downsampleCurve(points, 22); // 10 buckets of 100 points, plus the first and last point
    expect(kept).toHaveLength(22);
    for (let b = 0; b < 10; b++) {
      const inBucket = points.slice(Math.max(1, b * 100), Math.min(999, (b + 1) * 100));
      const chosen = kept.filter((p) => p[0] >= Math.max(1, b * 100) && p[0] < Math.min(999, (b + 1) * 100));
      expect(chosen.map((p) => p[1]).sort()).toEqual(yRange(inBucket).sort());
    }
  });

  it('a short curve comes back as it is; a stretch of NaN keeps one NaN point so the gap shows; a bad bound is refused', () => {
    const short: CurvePoint[] = [[0, 1], [1, 2]];
    expect(downsampleCurve(short, 10)).toBe(short);
    const gappy: CurvePoint[] = Array.from({ length: 100 }, (_, i) => [i, i >= 40 && i < 60 ? Number.NaN : i]);
    const kept = downsampleCurve(gappy, 12); // 5 buckets of 20: the third is all NaN
    expect(kept.filter(([, y]) => Number.isNaN(y))).toHaveLength(1);
    expect(() => downsampleCurve(short, 3)).toThrow(/maxPoints must be an integer ≥ 4, got 3/);
  });
});
