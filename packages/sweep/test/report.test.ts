import { OptionError } from '@tikhonov/core';
import { describe, expect, it } from 'vitest';
import { choice, logRange, search, successiveHalving, type SearchResult } from '@tikhonov/sweep';
import { sweepReport } from '@tikhonov/sweep/report';
import { syntheticRunner } from './synthetic-runner.js';

const module = new URL('./fixtures/digits-trial.ts', import.meta.url);
const data = { name: 'digits' } as const;

/** A successive-halving search on a synthetic objective: val.loss = (log10 α + 2.5)² + rate·(1 − epochs/100), none for one configuration. */
async function halving(): Promise<SearchResult> {
  const runner = syntheticRunner((config, _, p) => (config === 3 ? null : (Math.log10(Number(p.alpha)) + 2.5) ** 2 + (p.rate === '<half>' ? 0.5 : 0) + 1 / (1 + config)));
  return search({
    space: { alpha: logRange(1e-4, 1e-1), rate: choice(['none', '<half>']) },
    module,
    data,
    epochs: 9,
    strategy: successiveHalving({ eta: 3, minEpochs: 1 }),
    trials: 9,
    seed: 2,
    runner: runner.runner,
    objective: { metric: 'val.loss', mode: 'min' },
  });
}

/** The cells of a table of the page, row by row. */
function cells(html: string, className: string): string[][] {
  const table = html.match(new RegExp(`<table class="${className}">([\\s\\S]*?)</table>`))![1]!;
  return [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].slice(1).map((m) => [...m[1]!.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((c) => c[1]!));
}

describe('sweepReport', () => {
  it('ranks every trial best first (by hand: lowest val.loss, no value last), names the best, and draws one chart per hyperparameter and the rungs', async () => {
    const result = await halving();
    const html = await sweepReport(result, { title: 'α and rate' });
    const rows = cells(html, 'trials');
    expect(rows).toHaveLength(result.table.length);
    // the order by hand: finite values ascending (ties by configuration), then the trials without one
    const finite = result.table.filter((t) => t.value !== null).sort((a, b) => a.value! - b.value! || a.config - b.config);
    const none = result.table.filter((t) => t.value === null);
    expect(none.length).toBeGreaterThan(0);
    const expected = [...finite, ...none];
    expect(rows.map((r) => [Number(r[1]), Number(r[3])])).toEqual(expected.map((t) => [t.config, t.epochs]));
    expect(rows.at(-1)![4]).toBe('none');
    expect(rows.map((r) => r[0])).toEqual(rows.map((_, i) => String(i + 1)));
    // the best is the top finite row at the highest rung, as search() chose it
    expect(html).toContain(`best: configuration ${result.best!.config} (`);
    expect(result.best!.rung).toBe(Math.max(...result.table.map((t) => t.rung)));
    // charts: val.loss by alpha (log axis: α spans three decades), by rate, and the rungs
    expect(html.match(/<svg /g)).toHaveLength(3);
    const at = html.indexOf('val.loss by alpha');
    const alphaChart = html.slice(html.lastIndexOf('<svg', at), html.indexOf('</svg>', at));
    const ticks = [...alphaChart.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    // ticks at 1e-4 and 1e-3: a linear axis over [1e-4, 0.1] steps by 0.02 and has neither
    expect(ticks).toEqual(expect.arrayContaining(['0.0001', '0.001', '0.01']));
    expect(html).toContain('<h2>rungs</h2>');
    // a category's text is escaped in the table and the charts
    expect(html).not.toContain('<half>');
    expect(html).toContain('&lt;half&gt;');
    expect(html).not.toMatch(/<script/);
  });

  it('a misspelt option is refused with its name', async () => {
    const result = await halving();
    await expect(sweepReport(result, { titel: 'x' } as never)).rejects.toThrow(OptionError);
    await expect(sweepReport(result, { titel: 'x' } as never)).rejects.toThrow(/option 'titel'.*title/);
  });
});
