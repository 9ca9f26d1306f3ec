import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { History } from '@tikhonov/core';
import { browserBundle } from '@tikhonov/core/testing';
import { chromiumMissing, chromiumPath } from '@tikhonov/core/testing/node';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { report } from '../src/index.js';
import { writeReport } from '../src/node.js';
import { digitsRuns } from './fixtures.js';

// Debian's chromium (apt), driven by playwright-core: nothing downloads a browser
const CHROMIUM = chromiumPath();
const why = chromiumMissing();
if (why) console.log(`skipped: the report in a real browser — ${why}`);

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe.skipIf(why !== undefined)('the report in a real browser (headless chromium)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('opens from a file with no console error, and every chart is drawn at its size with finite paths', async () => {
    const runs = await digitsRuns();
    const html = await report(runs, { title: 'digits: plain vs l1 + activityL1 + early stopping' });
    const out = fileURLToPath(new URL('../test-output/', import.meta.url));
    mkdirSync(out, { recursive: true });
    const path = join(out, 'report.html');
    writeReport(path, html);
    {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') errors.push(message.text());
      });
      // any request but the page itself would be an external file
      const requests: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      await page.goto(pathToFileURL(path).href);
      const charts = await page.$$eval('svg', (svgs) =>
        svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          return { width: box.width, height: box.height, paths: [...svg.querySelectorAll('path')].map((p) => p.getAttribute('d') ?? '') };
        }),
      );
      expect(errors).toEqual([]);
      expect(requests).toEqual([pathToFileURL(path).href]);
      expect(charts).toHaveLength((html.match(/<svg /g) ?? []).length);
      for (const chart of charts) {
        expect(chart.width).toBeGreaterThan(200);
        expect(chart.height).toBeGreaterThan(100);
        expect(chart.paths.length).toBeGreaterThan(0);
        for (const d of chart.paths) expect(d.match(/-?\d+(\.\d+)?(e-?\d+)?/g)?.every((n) => Number.isFinite(Number(n))) ?? true).toBe(true);
      }
      // the comparison table is there, one row per run
      expect(await page.$$eval('table.runs tbody tr', (rows) => rows.length)).toBe(2);
      await page.screenshot({ path: join(out, 'report.png'), fullPage: true });
      console.log(`report: ${path}; screenshot: ${join(out, 'report.png')}`);
      await page.close();
    }
  }, 120_000);

  it('report() runs in the page from a browser bundle (no Node module in it) and makes the page Node makes, up to text layout', async () => {
    expect(existsSync(join(packageDir, 'dist/index.js')), 'run the build first (turbo runs it before tests)').toBe(true);
    const code = await browserBundle("import { report } from '@tikhonov/report'; import { History } from '@tikhonov/core'; window.makeReport = (json) => report({ name: 'run', history: History.fromJSON(json) });", packageDir);
    expect(code).not.toMatch(/from ["']node:|require\(["']node:/);
    const json = (await digitsRuns())[1]!.history.toJSON();
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ content: code, type: 'module' });
    await page.waitForFunction(() => 'makeReport' in window);
    const inPage = await page.evaluate((j) => (window as unknown as { makeReport(j: unknown): Promise<string> }).makeReport(j), json);
    const inNode = await report({ name: 'run', history: History.fromJSON(json) });
    expect(errors).toEqual([]);
    // a page measures text with a canvas, Node estimates it: the SVGs' layout may differ, nothing else
    const count = (html: string) => (html.match(/<svg /g) ?? []).length;
    const withoutSvg = (html: string) => html.replace(/<svg [\s\S]*?<\/svg>/g, '<svg/>');
    expect(count(inPage)).toBe(count(inNode));
    expect(withoutSvg(inPage)).toBe(withoutSvg(inNode));
    await page.close();
  }, 120_000);
});
