import { downsampleCurve, type CurvePoint, type History } from '@tikhonov/core';
import type { NormalRun } from './runs.js';

/** One drawn point of a curve, as the charts' data rows hold it. */
export interface CurveRow {
  run: string;
  series: string;
  x: number;
  /** null where the recorded value was not finite: the line breaks there. */
  y: number | null;
}

/** Rows of several curves, and what was done to them on the way. */
export interface CurveData {
  rows: CurveRow[];
  /** Points recorded, over all curves. */
  recorded: number;
  /** Points drawn after downsampling. */
  drawn: number;
  /** Recorded values that were NaN or ±∞ (shown as gaps). */
  nonFinite: number;
}

/** A metric of one history's table as a curve: (x column, metric) for the rows that have both. */
export function curveOf(rows: History['logs'], xKey: string, metric: string): CurvePoint[] {
  const points: CurvePoint[] = [];
  for (const row of rows) {
    const x = row[xKey];
    if (x === undefined || !(metric in row)) continue;
    points.push([x, row[metric]!]);
  }
  return points;
}

/** Collects curves into chart rows, each downsampled to `maxPoints` and counted. */
export function curveData(curves: ReadonlyArray<{ run: string; series: string; points: readonly CurvePoint[] }>, maxPoints: number): CurveData {
  const data: CurveData = { rows: [], recorded: 0, drawn: 0, nonFinite: 0 };
  for (const { run, series, points } of curves) {
    data.recorded += points.length;
    for (const [, y] of points) if (!Number.isFinite(y)) data.nonFinite++;
    const kept = downsampleCurve(points, maxPoints);
    data.drawn += kept.length;
    for (const [x, y] of kept) data.rows.push({ run, series, x, y: Number.isFinite(y) ? y : null });
  }
  return data;
}

/** The training loss per log point and every `val.*loss` per validation pass, by step. */
export function lossCurves(runs: readonly NormalRun[], maxPoints: number): CurveData {
  const curves: Array<{ run: string; series: string; points: CurvePoint[] }> = [];
  for (const run of runs) {
    curves.push({ run: run.name, series: 'train loss', points: curveOf(run.history.logs, 'step', 'loss') });
    for (const metric of metricNames(run.history.evaluations)) {
      if (metric.startsWith('val.') && metric.endsWith('loss')) curves.push({ run: run.name, series: metric, points: curveOf(run.history.evaluations, 'step', metric) });
    }
  }
  return curveData(curves, maxPoints);
}

/** The generalization gap per epoch, val.loss − the epoch's mean training loss, where an epoch has both. */
export function gapCurves(runs: readonly NormalRun[], maxPoints: number): CurveData {
  const curves = runs.map((run) => {
    const points: CurvePoint[] = [];
    for (const row of run.history.epochs) {
      if (row.epoch !== undefined && row.loss !== undefined && row['val.loss'] !== undefined) points.push([row.epoch, row['val.loss'] - row.loss]);
    }
    return { run: run.name, series: 'val.loss − train loss', points };
  });
  return curveData(curves.filter((c) => c.points.length > 0), maxPoints);
}

/** Columns every history table has, which are not plugin reports. */
const BOOKKEEPING = new Set(['step', 'epoch', 'loss']);

/** The plugins' reported numbers (`ctx.report`), one curve set per metric, by step of the log points. */
export function pluginReportCurves(runs: readonly NormalRun[], maxPoints: number): Map<string, CurveData> {
  const metrics = new Set<string>();
  for (const run of runs) for (const m of metricNames(run.history.logs)) if (!BOOKKEEPING.has(m)) metrics.add(m);
  const out = new Map<string, CurveData>();
  for (const metric of [...metrics].sort()) {
    out.set(metric, curveData(runs.map((run) => ({ run: run.name, series: metric, points: curveOf(run.history.logs, 'step', metric) })).filter((c) => c.points.length > 0), maxPoints));
  }
  return out;
}

/** Every column name of a history table, in first-seen order. */
export function metricNames(rows: History['logs']): string[] {
  const names = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) names.add(key);
  return [...names];
}
