/**
 * @packageDocumentation
 * HTML run reports: `report(history | run | runs)` renders learning curves,
 * the generalization gap, plugin reports, a comparison table and weight
 * histograms with Vega-Lite into one self-contained page. Runs in Node and in
 * the browser; writing the page to a file is in `@tikhonov/report/node`.
 */
export { report } from './html.js';
export { GENERATOR, htmlPage, htmlTable, escapeHtml, formatNumber } from './page.js';
export type { ReportInput, ReportOptions, ReportRun } from './runs.js';
export { weightsOf, weightHistogram, type HistogramRow, type WeightStats } from './weights.js';
export { stoppingPoints, type StoppingPoint } from './stopping.js';
export { lossCurves, gapCurves, pluginReportCurves, type CurveData, type CurveRow } from './curves.js';
export { lineChart, histogramChart, pointChart, type ChartFrame, type PointRow } from './charts.js';
export { renderSvg } from './render.js';
export { comparisonTable, type ComparisonTable } from './comparison.js';
