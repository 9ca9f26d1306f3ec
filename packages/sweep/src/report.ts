/**
 * @packageDocumentation
 * `@tikhonov/sweep/report`: a search's results as one HTML page, drawn with
 * `@tikhonov/report` (an optional peer dependency: install it to use this entry).
 */
import { validateOptions, z } from '@tikhonov/core';
import { escapeHtml, formatNumber, htmlPage, htmlTable, lineChart, pointChart, renderSvg, type CurveData, type PointRow } from '@tikhonov/report';
import type { SearchResult } from './search.js';
import type { ParamValue } from './space.js';
import { rank } from './strategies.js';
import type { TrialResult } from './trial.js';

/** Options of {@link sweepReport}. */
export interface SweepReportOptions {
  /** The page's title (default 'Tikhonov search'). */
  title?: string;
  /** Chart width in pixels (default 640). */
  width?: number;
}

const optionsSchema = z.strictObject({ title: z.string().optional(), width: z.number().int().min(200).max(4000).optional() });

/** A value as the page prints it: numbers as the report's tables do, the rest as text. */
const show = (v: ParamValue) => (typeof v === 'number' ? formatNumber(v) : String(v));

/** A table cell of an option: numbers stay numbers (the table prints them), a missing one (a `when` that did not apply) is empty. */
const cellOf = (v: ParamValue | undefined) => (v === undefined ? '' : typeof v === 'number' ? v : String(v));

/** The options of a result row as one line (`alpha=0.001, rate=0.3`). */
const describe = (params: TrialResult['params']) =>
  Object.entries(params)
    .map(([k, v]) => `${k}=${show(v)}`)
    .join(', ');

/** A hyperparameter's values as a chart's x: numbers stay numbers; anything else (or a mix) becomes its text. */
function axisOf(values: readonly ParamValue[]): { xs: Array<number | string>; logX: boolean } {
  const numeric = values.every((v) => typeof v === 'number');
  if (!numeric) return { xs: values.map((v) => String(v)), logX: false };
  const nums = values as number[];
  let low = Infinity;
  let high = -Infinity;
  for (const v of nums) [low, high] = [Math.min(low, v), Math.max(high, v)];
  // a range spanning two decades or more (a log-range's α or learning rate) reads on a log axis
  return { xs: nums, logX: low > 0 && high / low >= 100 };
}

/**
 * One self-contained HTML page of a search: what was searched and the best
 * configuration; every trial ranked best first (ties and trials without a
 * value as `rank` orders them) with its options; the objective against each
 * hyperparameter, coloured by rung; and for successive halving or ASHA, each
 * configuration's value by epoch budget across the rungs it reached. Write
 * it with `writeReport` from `@tikhonov/report/node`.
 */
export async function sweepReport(result: SearchResult, options: SweepReportOptions = {}): Promise<string> {
  const o = validateOptions('sweepReport', optionsSchema, options);
  const width = o.width ?? 640;
  const metric = result.objective.metric;
  const ranked = rank(result.table, result.objective);
  const keys = [...new Set(result.table.flatMap((t) => Object.keys(t.params)))];
  const configs = new Set(result.table.map((t) => t.config)).size;
  const rungs = [...new Set(result.table.map((t) => t.rung))].sort((a, b) => a - b);
  const best = result.best;
  const sections: string[] = [
    `<p class="summary">${escapeHtml(`${result.strategy} search, ${result.table.length} trials of ${configs} configurations, ${metric} (${result.objective.mode})`)}${
      best ? `; best: configuration ${best.config} (${escapeHtml(describe(best.params))}) with ${escapeHtml(metric)} = ${show(best.value)} after ${best.epochs} epochs (rung ${best.rung})` : '; no trial gave a finite value'
    }</p>`,
    `<h2>trials, best first</h2>\n${htmlTable(
      ['rank', 'config', 'rung', 'epochs', metric, 'best epoch', 'steps', 'stopped by', 'seconds', 'worker', ...keys],
      ranked.map((t, i) => [i + 1, t.config, t.rung, t.epochs, t.value ?? 'none', t.bestEpoch ?? '', t.steps, t.stoppedBy, t.seconds, t.worker, ...keys.map((k) => cellOf(t.params[k]))]),
      'trials',
    )}`,
  ];
  const charts: string[] = [];
  for (const key of keys) {
    const having = result.table.filter((t) => key in t.params);
    const { xs, logX } = axisOf(having.map((t) => t.params[key]!));
    const rows: PointRow[] = having.map((t, i) => ({ x: xs[i]!, y: t.value, group: `rung ${t.rung} (${t.epochs} epochs)`, label: `config ${t.config}: ${describe(t.params)}` }));
    charts.push(await renderSvg(pointChart(rows, { title: `${metric} by ${key}`, xTitle: key, yTitle: metric, width: Math.round(width / 2), height: 200, logX, groupTitle: 'rung' })));
  }
  if (charts.length > 0) sections.push(`<h2>${escapeHtml(metric)} by hyperparameter</h2>\n<div class="grid">${charts.map((svg) => `<figure>${svg}</figure>`).join('\n')}</div>`);
  if (rungs.length > 1) {
    const data: CurveData = { rows: [], recorded: result.table.length, drawn: result.table.length, nonFinite: 0 };
    const byConfig = [...result.table].sort((a, b) => a.config - b.config || a.epochs - b.epochs);
    for (const t of byConfig) {
      if (t.value === null) data.nonFinite++;
      data.rows.push({ run: `config ${t.config}`, series: metric, x: t.epochs, y: t.value });
    }
    const names = [...new Set(data.rows.map((r) => r.run))];
    const svg = await renderSvg(lineChart(data, names, { title: `${metric} by epoch budget: each configuration across the rungs it reached`, xTitle: 'epochs', yTitle: metric, width, colorTitle: 'configuration', points: true }));
    sections.push(`<h2>rungs</h2>\n<figure>${svg}</figure>`);
  }
  return htmlPage({ title: o.title ?? 'Tikhonov search', sections, width });
}
