import { metricMode } from '@tikhonov/core';
import { metricNames } from './curves.js';
import { formatNumber as format } from './page.js';
import type { NormalRun } from './runs.js';
import type { StoppingPoint } from './stopping.js';

/** The comparison table: a header and one row of cells per run. */
export interface ComparisonTable {
  header: string[];
  rows: Array<Array<number | string>>;
}


/**
 * One row per run: steps, epochs, why it stopped, the last logged training
 * loss, the best value of every validation metric with the step it was
 * reached at, the marked stopping point, then the run's own metrics.
 */
export function comparisonTable(runs: readonly NormalRun[], marks: readonly StoppingPoint[]): ComparisonTable {
  const validation = new Set<string>();
  for (const run of runs) for (const m of metricNames(run.history.evaluations)) if (m.startsWith('val.')) validation.add(m);
  const extra = new Set<string>();
  for (const run of runs) for (const key of Object.keys(run.metrics ?? {})) extra.add(key);
  const header = ['run', 'steps', 'epochs', 'stopped by', 'last train loss', ...[...validation].map((m) => `best ${m} (step)`), 'i*', ...extra];
  const rows = runs.map((run) => {
    const h = run.history;
    const lastLoss = h.logs.at(-1)?.loss;
    const best = [...validation].map((metric) => {
      let value: number | undefined;
      let step: number | undefined;
      for (const row of h.evaluations) {
        const v = row[metric];
        if (v === undefined || !Number.isFinite(v)) continue;
        if (value === undefined || (metricMode(metric) === 'max' ? v > value : v < value)) [value, step] = [v, row.step];
      }
      return value === undefined ? '' : `${format(value)} (${step})`;
    });
    const mark = marks.filter((m) => m.run === run.name).map((m) => `${m.step} (${m.plugin})`).join(', ');
    return [run.name, h.stop?.step ?? h.logs.at(-1)?.step ?? 0, h.epochs.length, h.stop ? `${h.stop.by}: ${h.stop.reason}` : 'not fitted', lastLoss === undefined ? '' : format(lastLoss), ...best, mark, ...[...extra].map((k) => run.metrics?.[k] ?? '')];
  });
  return { header, rows };
}
