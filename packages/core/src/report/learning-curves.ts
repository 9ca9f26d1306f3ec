import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import { downsampleCurve } from './downsample.js';

/** One line of a learning-curve plot. */
export interface CurveSeries {
  label: string;
  /** Points (x = epoch or step); NaN values leave gaps. */
  points: ReadonlyArray<readonly [number, number]>;
  color?: string;
  dashed?: boolean;
  /** Draw the points as dots, unconnected (data points under fitted curves). */
  dots?: boolean;
}

const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

/** Points drawn per series at most: more than a chart's pixels across. */
const MAX_POINTS = 2000;

/** Smallest and largest finite x and y over all series (±∞ when there is none). */
function extents(series: readonly CurveSeries[]): [number, number, number, number] {
  let [xMin, xMax, yMin, yMax] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const s of series) {
    for (const [a, b] of s.points) {
      if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
      if (a < xMin) xMin = a;
      if (a > xMax) xMax = a;
      if (b < yMin) yMin = b;
      if (b > yMax) yMax = b;
    }
  }
  return [xMin, xMax, yMin, yMax];
}

/**
 * A self-contained SVG line chart (d3-scale for axes and ticks, d3-shape for
 * the paths), e.g. train and validation loss per epoch. `markers` draws
 * vertical lines such as early stopping's i*.
 */
export function learningCurvesSvg(
  series: readonly CurveSeries[],
  options: { title?: string; xLabel?: string; yLabel?: string; width?: number; height?: number; markers?: ReadonlyArray<{ x: number; label: string }> } = {},
): string {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const margin = { top: 36, right: 170, bottom: 44, left: 60 };
  // long runs (hundreds of thousands of log points) are downsampled for display, keeping each bucket's low and
  // high, and extents are found by loops: Math.min(...xs) overflows the call stack there
  series = series.map((s) => ({ ...s, points: downsampleCurve(s.points, MAX_POINTS) }));
  const [xMin, xMax, yMin, yMax] = extents(series);
  const x = scaleLinear()
    .domain(Number.isFinite(xMin) ? [xMin, xMax] : [0, 1])
    .range([margin.left, width - margin.right])
    .nice();
  const y = scaleLinear()
    .domain(Number.isFinite(yMin) ? [Math.min(0, yMin), yMax] : [0, 1])
    .range([height - margin.bottom, margin.top])
    .nice();
  const path = line<readonly [number, number]>()
    .defined(([a, b]) => Number.isFinite(a) && Number.isFinite(b))
    .x(([a]) => x(a))
    .y(([, b]) => y(b));
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  if (options.title) parts.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(options.title)}</text>`);
  for (const t of x.ticks(8)) {
    parts.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${margin.top}" y2="${height - margin.bottom}" stroke="#eee"/>`);
    parts.push(`<text x="${x(t)}" y="${height - margin.bottom + 16}" text-anchor="middle">${t}</text>`);
  }
  for (const t of y.ticks(6)) {
    parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(t)}" y2="${y(t)}" stroke="#eee"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>`);
  }
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${width - margin.left - margin.right}" height="${height - margin.top - margin.bottom}" fill="none" stroke="#333"/>`);
  if (options.xLabel) parts.push(`<text x="${(margin.left + width - margin.right) / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`);
  if (options.yLabel) parts.push(`<text transform="translate(16 ${(margin.top + height - margin.bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`);
  (options.markers ?? []).forEach((m, i) => {
    parts.push(`<line x1="${x(m.x)}" x2="${x(m.x)}" y1="${margin.top}" y2="${height - margin.bottom}" stroke="#444" stroke-dasharray="2 3"/>`);
    // labels step down one line per marker, so nearby markers do not print over each other
    parts.push(`<text x="${x(m.x) + 4}" y="${margin.top + 14 + 14 * i}">${escapeXml(m.label)}</text>`);
  });
  series.forEach((s, i) => {
    const color = s.color ?? palette[i % palette.length];
    const ly = margin.top + 10 + i * 18;
    if (s.dots) {
      for (const [a, b] of s.points) if (Number.isFinite(a) && Number.isFinite(b)) parts.push(`<circle cx="${x(a)}" cy="${y(b)}" r="2.5" fill="${color}"/>`);
      parts.push(`<circle cx="${width - margin.right + 24}" cy="${ly}" r="3" fill="${color}"/>`);
    } else {
      parts.push(`<path d="${path(s.points) ?? ''}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
      parts.push(`<line x1="${width - margin.right + 12}" x2="${width - margin.right + 36}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    }
    parts.push(`<text x="${width - margin.right + 42}" y="${ly + 4}">${escapeXml(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
