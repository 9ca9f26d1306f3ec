import type { TopLevelSpec } from 'vega-lite';
import type { CurveData } from './curves.js';
import type { StoppingPoint } from './stopping.js';
import type { HistogramRow } from './weights.js';

/** Size and labels of one chart. */
export interface ChartFrame {
  title: string;
  xTitle: string;
  yTitle: string;
  width: number;
  height?: number;
  /** Legend title of the colour (default 'run'). */
  colorTitle?: string;
  /** Mark each point of a line too (a line of one point is otherwise not drawn). */
  points?: boolean;
}

const base = (frame: ChartFrame) =>
  ({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: frame.title,
    width: frame.width,
    height: frame.height ?? 260,
    background: 'white',
    config: { font: 'sans-serif', legend: { orient: 'right', labelLimit: 360 } },
  }) as const;

/** The colour of each run, the same in every chart of a report. */
const runColor = (runs: readonly string[], title = 'run') => ({ field: 'run', type: 'nominal', title, scale: { domain: [...runs] } }) as const;

/**
 * Lines of (x, y) by run (colour) and series (dash); a stopping point of a
 * run is a dashed vertical rule in its colour, labelled "i* = step".
 */
export function lineChart(data: CurveData, runs: readonly string[], frame: ChartFrame, marks: readonly StoppingPoint[] = []): TopLevelSpec {
  const series = [...new Set(data.rows.map((r) => r.series))];
  const layers: object[] = [
    {
      data: { values: data.rows },
      mark: { type: 'line', clip: true, point: frame.points ?? false },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: frame.xTitle },
        y: { field: 'y', type: 'quantitative', title: frame.yTitle, scale: { zero: false } },
        color: runColor(runs, frame.colorTitle),
        ...(series.length > 1 ? { strokeDash: { field: 'series', type: 'nominal', title: 'curve', scale: { domain: series } } } : {}),
        detail: { field: 'series' },
      },
    },
  ];
  if (marks.length > 0) {
    const values = marks.map((m) => ({ run: m.run, x: m.step, label: `${m.plugin} i* = ${m.step}` }));
    layers.push(
      { data: { values }, mark: { type: 'rule', strokeDash: [4, 3], strokeWidth: 1.5 }, encoding: { x: { field: 'x', type: 'quantitative' }, color: runColor(runs) } },
      { data: { values }, mark: { type: 'text', align: 'left', dx: 4, dy: 6, baseline: 'top', y: 0 }, encoding: { x: { field: 'x', type: 'quantitative' }, text: { field: 'label' }, color: runColor(runs) } },
    );
  }
  return { ...base(frame), layer: layers } as TopLevelSpec;
}

/** Overlaid histograms of one param, a translucent bar set per run on shared bins. */
export function histogramChart(rows: readonly HistogramRow[], runs: readonly string[], frame: ChartFrame): TopLevelSpec {
  return {
    ...base(frame),
    data: { values: [...rows] },
    mark: { type: 'bar', opacity: 0.55, binSpacing: 0 },
    encoding: {
      x: { field: 'start', type: 'quantitative', title: frame.xTitle },
      x2: { field: 'end' },
      // from zero up: without y2 a ranged-x bar is drawn as a thin mark at its count
      y: { field: 'count', type: 'quantitative', title: frame.yTitle, stack: null },
      y2: { datum: 0 },
      color: runColor(runs),
    },
  } as TopLevelSpec;
}

/** One point of a {@link pointChart}: x (a number or a category), y (null: not drawn), and its group (colour). */
export interface PointRow {
  x: number | string;
  y: number | null;
  group: string;
  /** Read out in the point's accessible description (aria-label; a static page shows no hover tooltips), e.g. the trial's options. */
  label?: string;
}

/**
 * Points of y against x, coloured by group: numeric x on a linear or
 * logarithmic axis, or categories (strings) spread along the axis. For a
 * search's objective against each hyperparameter.
 */
export function pointChart(rows: readonly PointRow[], frame: ChartFrame & { logX?: boolean; groupTitle?: string }): TopLevelSpec {
  const numeric = rows.every((r) => typeof r.x === 'number');
  return {
    ...base(frame),
    data: { values: rows.filter((r) => r.y !== null) },
    mark: { type: 'point', filled: true, size: 50, opacity: 0.8 },
    encoding: {
      x: numeric ? { field: 'x', type: 'quantitative', title: frame.xTitle, scale: frame.logX ? { type: 'log' } : { zero: false } } : { field: 'x', type: 'nominal', title: frame.xTitle },
      y: { field: 'y', type: 'quantitative', title: frame.yTitle, scale: { zero: false } },
      color: { field: 'group', type: 'nominal', title: frame.groupTitle ?? 'group' },
      // vega writes encoded fields into each mark's aria-label: the label goes there, not into a hover tooltip
      description: { field: 'label' },
    },
  } as TopLevelSpec;
}
