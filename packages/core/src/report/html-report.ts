import type { History } from '../history.js';
import { learningCurvesSvg } from './learning-curves.js';

/** Options of {@link htmlReport}. */
export interface HtmlReportOptions {
  title?: string;
  /** Lines describing the run (model, optimizer, plugins: e.g. `trainer.summary()`), shown as preformatted text. */
  description?: string;
}

const escape = (text: string) => text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
const cell = (v: number | undefined) => (v === undefined ? '' : Number.isInteger(v) ? String(v) : v.toPrecision(5));

/**
 * One self-contained HTML page for a run: its description, why it stopped,
 * the loss curves (train and every `val.*` loss per epoch, as SVG) and the
 * history's epoch rows as a table, plus the plugins' notes (early stopping's
 * i*). No scripts and no external files: it opens anywhere, and a browser
 * can print it.
 */
export function htmlReport(history: History, options: HtmlReportOptions = {}): string {
  const title = options.title ?? 'Tikhonov run';
  const columns: string[] = [];
  for (const row of history.epochs) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const losses = columns.filter((c) => c === 'loss' || (c.startsWith('val.') && c.endsWith('loss')));
  const svg = learningCurvesSvg(
    losses.map((c) => ({ label: c === 'loss' ? 'train loss' : c, points: history.epochs.map((r) => [r.epoch!, r[c] ?? Number.NaN] as const), dashed: c !== 'loss' })),
    { title: 'loss per epoch', xLabel: 'epoch', yLabel: 'loss' },
  );
  const table = [
    `<tr>${columns.map((c) => `<th>${escape(c)}</th>`).join('')}</tr>`,
    ...history.epochs.map((r) => `<tr>${columns.map((c) => `<td>${cell(r[c])}</td>`).join('')}</tr>`),
  ].join('\n');
  const stop = history.stop ? `stopped at step ${history.stop.step} by ${escape(history.stop.by)}: ${escape(history.stop.reason)}` : 'not fitted yet';
  const notes = Object.entries(history.notes).map(([k, v]) => `<dt>${escape(k)}</dt><dd><code>${escape(JSON.stringify(v))}</code></dd>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:sans-serif;margin:1.5rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}pre{background:#f6f6f6;padding:.5rem}</style>
</head><body>
<h1>${escape(title)}</h1>
${options.description ? `<pre>${escape(options.description)}</pre>` : ''}
<p class="stop">${stop}</p>
${svg}
<h2>epochs</h2>
<table>
${table}
</table>
${notes ? `<h2>notes</h2><dl>${notes}</dl>` : ''}
</body></html>
`;
}
