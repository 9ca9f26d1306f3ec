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
const runColor = (runs: readonly string[]) => ({ field: 'run', type: 'nominal', title: 'run', scale: { domain: [...runs] } }) as const;

/**
 * Lines of (x, y) by run (colour) and series (dash); a stopping point of a
 * run is a dashed vertical rule in its colour, labelled "i* = step".
 */
export function lineChart(data: CurveData, runs: readonly string[], frame: ChartFrame, marks: readonly StoppingPoint[] = []): TopLevelSpec {
  const series = [...new Set(data.rows.map((r) => r.series))];
  const layers: object[] = [
    {
      data: { values: data.rows },
      mark: { type: 'line', clip: true },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: frame.xTitle },
        y: { field: 'y', type: 'quantitative', title: frame.yTitle, scale: { zero: false } },
        color: runColor(runs),
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
