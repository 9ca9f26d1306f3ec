/** A curve's point: x (step or epoch) and y. */
export type CurvePoint = readonly [number, number];

/**
 * At most about `maxPoints` of a curve, for display. The points are cut, in
 * order, into ⌈maxPoints / 2⌉ buckets of equal count, and each bucket keeps
 * its lowest and its highest point (in their own order), so a spike or a dip
 * survives — taking every k-th point steps over them; the first and the last
 * point are always kept. A curve of at most `maxPoints` points is returned as
 * it is. Points with a non-finite y compare as neither low nor high: they are
 * kept only as a bucket's first or last point, where they mark a gap.
 */
export function downsampleCurve(points: readonly CurvePoint[], maxPoints: number): readonly CurvePoint[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 4) throw new RangeError(`downsampleCurve: maxPoints must be an integer ≥ 4, got ${maxPoints}`);
  const n = points.length;
  if (n <= maxPoints) return points;
  // two points a bucket, and the first and the last point on top
  const buckets = Math.floor((maxPoints - 2) / 2);
  const kept: CurvePoint[] = [points[0]!];
  for (let b = 0; b < buckets; b++) {
    const start = Math.max(1, Math.floor((b * n) / buckets));
    const end = Math.min(n - 1, Math.floor(((b + 1) * n) / buckets));
    let low = -1;
    let high = -1;
    for (let i = start; i < end; i++) {
      const y = points[i]![1];
      if (!Number.isFinite(y)) continue;
      if (low < 0 || y < points[low]![1]) low = i;
      if (high < 0 || y > points[high]![1]) high = i;
    }
    if (low < 0) {
      // a bucket of non-finite values only: keep one, so the gap shows
      if (start < end) kept.push(points[start]!);
      continue;
    }
    const [first, second] = low < high ? [low, high] : [high, low];
    kept.push(points[first]!);
    if (second !== first) kept.push(points[second]!);
  }
  kept.push(points[n - 1]!);
  return kept;
}
