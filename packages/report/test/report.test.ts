import { History, OptionError } from '@tikhonov/core';
import { parse, View } from 'vega';
import { compile } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { comparisonTable, gapCurves, lineChart, lossCurves, report, stoppingPoints, weightHistogram } from '../src/index.js';
import { normalizeRuns } from '../src/runs.js';
import { digitsRuns } from './fixtures.js';

/** The lowest val.loss of a history and the step of its first occurrence, by a loop over the evaluations. */
function bestValidation(history: History): { value: number; step: number } {
  let best = { value: Infinity, step: -1 };
  for (const row of history.evaluations) if (row['val.loss']! < best.value) best = { value: row['val.loss']!, step: row.step! };
  return best;
}

/** Every scenegraph item of one mark type drawn for data (role 'mark': not the axes' rules), depth first. */
function itemsOf(node: unknown, type: string, out: Array<Record<string, number>> = []): Array<Record<string, number>> {
  const n = node as { marktype?: string; role?: string; items?: unknown[] };
  for (const child of n.items ?? []) {
    if (n.marktype === type && n.role === 'mark') out.push(child as Record<string, number>);
    itemsOf(child, type, out);
  }
  return out;
}

/** The root of a view's scenegraph (vega's typings leave `root` out of Scene). */
const sceneRoot = (view: View) => (view.scenegraph() as unknown as { root: unknown }).root;

describe('report of two real digits runs', () => {
  it('the table gives each run its steps, best val.loss with its step and early stopping’s i*, all as found by hand in the history', async () => {
    const runs = await digitsRuns();
    const stopped = runs[1]!.history;
    const best = bestValidation(stopped);
    // early stopping restored θ* at the step of the lowest val.loss: the note and the evaluations agree
    expect((stopped.notes.earlyStopping as { bestStep: number }).bestStep).toBe(best.step);
    const table = comparisonTable(normalizeRuns(runs), stoppingPoints(normalizeRuns(runs)));
    const col = (name: string) => table.header.indexOf(name);
    expect(table.rows.map((r) => r[0])).toEqual(['plain', 'l1 + activityL1 + early stopping']);
    expect(table.rows[1]![col('i*')]).toBe(`${best.step} (earlyStopping)`);
    expect(table.rows[1]![col('best val.loss (step)')]).toBe(`${best.value.toPrecision(4)} (${best.step})`);
    expect(table.rows[0]![col('i*')]).toBe('');
    expect(table.rows[1]![col('steps')]).toBe(stopped.stop!.step);
    expect(table.rows[1]![col('stopped by')]).toMatch(/^earlyStopping: /);
    expect(table.rows[0]![col('epochs')]).toBe(40);
    expect(table.rows[0]![col('val accuracy at the end')]).toBe(runs[0]!.metrics!['val accuracy at the end']);
  });

  it('the page holds one chart per section, metric and param, the table and the notes, and no script', async () => {
    const runs = await digitsRuns();
    const html = await report(runs, { title: 'digits <l1>', description: 'dense(32) → dense(10)' });
    // plugin report metrics and params, found by hand
    const metrics = new Set(runs.flatMap((r) => r.history.logs.flatMap((row) => Object.keys(row))).filter((k) => !['step', 'epoch', 'loss'].includes(k)));
    expect(metrics.size).toBeGreaterThan(0);
    const params = Object.keys(runs[0]!.weights!);
    expect(html.match(/<svg /g)).toHaveLength(2 + metrics.size + params.length);
    expect(html).toContain('<title>digits &lt;l1&gt;</title>');
    expect(html).toContain('<pre>dense(32) → dense(10)</pre>');
    expect(html.match(/<table class="runs">[\s\S]*?<\/table>/)![0].match(/<tr>/g)).toHaveLength(3);
    expect(html).toContain('<summary>l1 + activityL1 + early stopping</summary>');
    expect(html).not.toMatch(/<script/i);
  }, 60_000);

  it('the learning-curve chart draws the i* rule at the step of the lowest val.loss and one line per run and curve', async () => {
    const runs = normalizeRuns(await digitsRuns());
    const marks = stoppingPoints(runs);
    const view = new View(parse(compile(lineChart(lossCurves(runs, 1000), runs.map((r) => r.name), { title: 't', xTitle: 'step', yTitle: 'loss', width: 600 }, marks)).spec), { renderer: 'none' });
    await view.runAsync();
    const rules = itemsOf(sceneRoot(view), 'rule');
    expect(rules).toHaveLength(1);
    const x = view.scale('x') as { invert(px: number): number };
    expect(x.invert(rules[0]!.x!)).toBeCloseTo(bestValidation(runs[1]!.history).step, 6);
    // one line item per point; four lines (train loss and val.loss of the two runs), as many points as the data
    const data = lossCurves(runs, 1000);
    expect(itemsOf(sceneRoot(view), 'line')).toHaveLength(data.rows.length);
    expect(new Set(data.rows.map((r) => `${r.run}/${r.series}`))).toEqual(new Set(['plain/train loss', 'plain/val.loss', 'l1 + activityL1 + early stopping/train loss', 'l1 + activityL1 + early stopping/val.loss']));
  });

  it('the gap is val.loss − the epoch’s training loss (hand subtraction), positive once the plain net overfits', async () => {
    const runs = normalizeRuns(await digitsRuns());
    const gap = gapCurves(runs, 1000).rows.filter((r) => r.run === 'plain');
    const epochs = runs[0]!.history.epochs;
    expect(gap).toHaveLength(epochs.length);
    gap.forEach((row, i) => expect(row.y).toBeCloseTo(epochs[i]!['val.loss']! - epochs[i]!.loss!, 12));
    expect(gap.at(-1)!.y).toBeGreaterThan(0);
  });

  it('histograms: every finite weight counted once, in the bar whose [start, end) holds it, on the same bars for both runs', async () => {
    const runs = normalizeRuns(await digitsRuns());
    const { rows, stats } = weightHistogram(runs, 'dense_1/kernel', 40);
    for (const run of runs) {
      const w = Array.from(run.weights!['dense_1/kernel']!);
      const bars = rows.filter((r) => r.run === run.name);
      expect(bars.reduce((s, r) => s + r.count, 0)).toBe(w.length);
      const last = bars.at(-1)!;
      for (const bar of bars) {
        const inside = w.filter((v) => v >= bar.start && (v < bar.end || (bar === last && v <= bar.end))).length;
        expect(bar.count).toBe(inside);
      }
      const mean = w.reduce((a, b) => a + b, 0) / w.length;
      const s = stats.find((x) => x.run === run.name)!;
      expect(s.mean).toBeCloseTo(mean, 6);
      expect(s.std).toBeCloseTo(Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length), 6);
      expect(s.maxAbs).toBe(Math.max(...w.map(Math.abs)));
    }
    const edges = (run: string) => rows.filter((r) => r.run === run).map((r) => r.start);
    expect(edges('plain')).toEqual(edges('l1 + activityL1 + early stopping'));
  });
});

describe('long and broken runs', () => {
  it('200 000 log points render: the caption says how many were drawn, and a one-step spike still sets the y range', async () => {
    const history = new History();
    for (let s = 1; s <= 200_000; s++) history.logs.push({ step: s, loss: 1 / Math.sqrt(s) });
    history.logs[150_000]!.loss = 5; // one diverging log point
    history.logs[150_001]!.loss = Number.NaN;
    const html = await report(history, { maxPoints: 500 });
    expect(html).toMatch(/200000 points recorded, \d+ drawn/);
    expect(html).toContain('1 values not finite, drawn as gaps');
    const data = lossCurves(normalizeRuns(history), 500);
    expect(data.rows.length).toBeLessThanOrEqual(500);
    expect(Math.max(...data.rows.map((r) => r.y ?? 0))).toBe(5);
  }, 60_000);
});

describe('bad input', () => {
  it('a misspelt option, a bad value, two runs of one name, no runs and a non-history are refused, naming what is wrong', async () => {
    const history = new History();
    history.logs.push({ step: 1, loss: 1 });
    await expect(report(history, { maxPonts: 10 } as never)).rejects.toThrow(/option 'maxPonts'.*maxPoints/);
    await expect(report(history, { maxPoints: 3 })).rejects.toThrow(OptionError);
    await expect(report(history, { maxPoints: 3 })).rejects.toThrow(/option 'maxPoints' = 3/);
    await expect(report([{ name: 'a', history }, { name: 'a', history }])).rejects.toThrow(/two runs are named 'a'/);
    await expect(report([])).rejects.toThrow(/no runs given/);
    await expect(report({ name: 'x', history: { logs: [] } } as never)).rejects.toThrow(/runs\[0\]: option 'history'.*toJSON/);
    await expect(report({ name: 'x', history, weights: { w: 'abc' } } as never)).rejects.toThrow(/option 'weights.w'/);
  });

  it('a history read back from JSON gives the same page as the History itself', async () => {
    const runs = await digitsRuns();
    const fromJson = JSON.parse(JSON.stringify(runs[1]!.history.toJSON()));
    const a = await report({ name: 'r', history: runs[1]!.history });
    const b = await report({ name: 'r', history: fromJson });
    expect(b).toBe(a);
  }, 60_000);
});
