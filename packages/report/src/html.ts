import { comparisonTable } from './comparison.js';
import { escapeHtml as escape, htmlPage, htmlTable as table } from './page.js';
import { histogramChart, lineChart } from './charts.js';
import { gapCurves, lossCurves, pluginReportCurves, type CurveData } from './curves.js';
import { renderSvg } from './render.js';
import { normalizeRuns, resolveOptions, type ReportInput, type ReportOptions } from './runs.js';
import { stoppingPoints } from './stopping.js';
import { weightHistogram, weightParams, type WeightStats } from './weights.js';

/** What a chart's caption says of its data: downsampling and non-finite values, so nothing is left out unsaid. */
function caption(data: CurveData): string {
  const parts: string[] = [];
  if (data.drawn < data.recorded) parts.push(`${data.recorded} points recorded, ${data.drawn} drawn (each stretch keeps its lowest and highest point)`);
  if (data.nonFinite > 0) parts.push(`${data.nonFinite} values not finite, drawn as gaps`);
  return parts.length > 0 ? `<p class="caption">${escape(parts.join('; '))}</p>` : '';
}

const figure = (svg: string, data?: CurveData) => `<figure>${svg}${data ? caption(data) : ''}</figure>`;

/**
 * One self-contained HTML page of one run or several: a comparison table,
 * the learning curves by step with early stopping's i* marked, the
 * generalization gap per epoch, every plugin report (`ctx.report`) over the
 * log points, weight histograms with their summary numbers, and each run's
 * notes. The plots are Vega-Lite charts rendered to SVG in place: no scripts
 * and no external files, so the page opens anywhere and prints.
 */
export async function report(input: ReportInput, options: ReportOptions = {}): Promise<string> {
  const runs = normalizeRuns(input);
  const o = resolveOptions(options);
  const names = runs.map((r) => r.name);
  const marks = stoppingPoints(runs);
  const sections: string[] = [];
  const comparison = comparisonTable(runs, marks);
  sections.push(`<h2>runs</h2>\n${table(comparison.header, comparison.rows, 'runs')}`);

  const losses = lossCurves(runs, o.maxPoints);
  const lossSvg = await renderSvg(lineChart(losses, names, { title: 'loss by step (train: per log point; validation: per pass)', xTitle: 'step', yTitle: 'loss', width: o.width }, marks));
  sections.push(`<h2>learning curves</h2>\n${figure(lossSvg, losses)}`);

  const gap = gapCurves(runs, o.maxPoints);
  sections.push(
    gap.rows.length > 0
      ? `<h2>generalization gap</h2>\n${figure(await renderSvg(lineChart(gap, names, { title: 'val.loss − the epoch’s mean training objective (data loss + penalties)', xTitle: 'epoch', yTitle: 'gap', width: o.width })), gap)}`
      : '<h2>generalization gap</h2>\n<p>No epoch has both a training loss and a val.loss: fit with <code>validation</code> to see the gap.</p>',
  );

  const reports = pluginReportCurves(runs, o.maxPoints);
  if (reports.size > 0) {
    const figures: string[] = [];
    for (const [metric, data] of reports) {
      figures.push(figure(await renderSvg(lineChart(data, names, { title: metric, xTitle: 'step', yTitle: metric, width: Math.round(o.width / 2), height: 180 })), data));
    }
    sections.push(`<h2>reported numbers</h2>\n<p>What plugins report with <code>ctx.report</code>, and the learning rate, at each log point.</p>\n<div class="grid">${figures.join('\n')}</div>`);
  }

  const params = weightParams(runs);
  if (params.length > 0) {
    const figures: string[] = [];
    const stats: WeightStats[] = [];
    for (const param of params) {
      const h = weightHistogram(runs, param, o.bins);
      stats.push(...h.stats);
      if (h.rows.length > 0) figures.push(figure(await renderSvg(histogramChart(h.rows, names, { title: param, xTitle: 'weight', yTitle: 'count', width: Math.round(o.width / 2), height: 180 }))));
    }
    const statRows = stats.map((s) => [s.param, s.run, s.count, s.mean, s.std, s.maxAbs, s.nearZero, s.nonFinite]);
    sections.push(`<h2>weights</h2>\n<div class="grid">${figures.join('\n')}</div>\n${table(['param', 'run', 'count', 'mean', 'std', 'max |w|', 'share |w| < 1e-3', 'not finite'], statRows, 'weights')}`);
  }

  const notes = runs.filter((r) => Object.keys(r.history.notes).length > 0);
  if (notes.length > 0) {
    sections.push(`<h2>notes</h2>\n${notes.map((r) => `<details><summary>${escape(r.name)}</summary><pre>${escape(JSON.stringify(r.history.notes, null, 2))}</pre></details>`).join('\n')}`);
  }
  return htmlPage({ title: o.title, description: o.description, sections, width: o.width });
}
