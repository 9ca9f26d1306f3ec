import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { chromiumMissing, chromiumPath, serveLocally, type LocalSite } from '@tikhonov/core/testing/node';

// Debian's chromium (apt), driven by playwright-core: nothing downloads a browser
const CHROMIUM = chromiumPath();
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const why = chromiumMissing() ?? (!existsSync(join(dist, 'index.html')) ? 'the page is not built (turbo builds it before the tests)' : undefined);
if (why) console.warn(`the playground's browser test is skipped: ${why}`);

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.svg': 'image/svg+xml' };

/** The built page on 127.0.0.1, on a free port: dist's files, nothing outside it. */
function serve(): Promise<LocalSite> {
  return serveLocally((pathname) => {
    const path = normalize(pathname).replace(/^(\.\.[/\\])+/, '');
    const file = join(dist, path === '/' ? 'index.html' : path);
    if (!file.startsWith(dist) || !existsSync(file)) return undefined;
    return { type: TYPES[extname(file)] ?? 'application/octet-stream', body: readFileSync(file) };
  });
}

describe.skipIf(why !== undefined)('the playground in a real browser (headless chromium)', () => {
  let browser: Browser;
  let site: LocalSite | undefined;
  beforeAll(async () => {
    site = await serve();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('trains both nets in the worker on wasm, draws finite curves as epochs arrive, and the regularized one beats the plain one', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(site!.url);
    await page.fill('#epochs', '30');
    await page.click('#start');
    await page.waitForFunction(() => ['done', 'error'].includes(document.getElementById('status')!.dataset.state ?? ''), undefined, { timeout: 240_000 });
    const status = await page.textContent('#status');
    expect(errors).toEqual([]);
    expect(await page.getAttribute('#status', 'data-state'), String(status)).toBe('done');
    const read = async (run: string) => ({
      epochs: Number(await page.getAttribute(`#run-${run} .numbers`, 'data-epochs')),
      validation: Number(await page.getAttribute(`#run-${run} .numbers`, 'data-validation-accuracy')),
      test: Number(await page.getAttribute(`#run-${run} .numbers`, 'data-test-accuracy')),
      // the chart's paths: two curves, every coordinate a finite number
      paths: await page.$$eval(`#run-${run} .chart svg path`, (ps) => ps.map((p) => p.getAttribute('d') ?? '')),
      tiles: await page.$$eval(`#run-${run} .weights rect`, (rs) => rs.map((r) => r.getAttribute('fill') ?? '')),
      largestNorm: Number(await page.getAttribute(`#run-${run} .numbers`, 'data-largest-norm')),
    });
    const plain = await read('plain');
    const regularized = await read('regularized');
    console.log(`playground (chromium, wasm, 30 epochs, 30 % wrong labels): plain test ${plain.test.toFixed(3)}, regularized (l2) ${regularized.test.toFixed(3)}`);
    for (const run of [plain, regularized]) {
      expect(run.epochs).toBe(30);
      expect(run.paths).toHaveLength(2);
      for (const d of run.paths) expect(d.match(/-?\d+(\.\d+)?/g)!.every((n) => Number.isFinite(Number(n)))).toBe(true);
      expect(run.validation).toBeGreaterThan(0.5);
      // the heat-map: 16 units × 64 pixels, each a colour
      expect(run.tiles).toHaveLength(16 * 64);
      expect(run.tiles.every((f) => /^rgb\(\d+, \d+, \d+\)$|^#[0-9a-f]{6}$/.test(f))).toBe(true);
    }
    // l2 shrinks the weights: the regularized net's largest unit norm is the smaller
    expect(regularized.largestNorm).toBeLessThan(plain.largestNorm);
    expect(regularized.test).toBeGreaterThan(plain.test + 0.03);
    const shots = fileURLToPath(new URL('../test-output/', import.meta.url));
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, 'playground.png'), fullPage: true });
    console.log(`screenshot: ${join(shots, 'playground.png')}`);
    await page.close();
  }, 300_000);

  it('the ticked boxes are the regularized run’s plugins: input noise and augmentation (on 8×8×1 images) train in the worker too', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(site!.url);
    await page.uncheck('#plugins input[name="l2"]');
    await page.check('#plugins input[name="inputNoise"]');
    await page.check('#plugins input[name="affine"]');
    await page.fill('#epochs', '3');
    await page.click('#start');
    await page.waitForFunction(() => ['done', 'error'].includes(document.getElementById('status')!.dataset.state ?? ''), undefined, { timeout: 120_000 });
    expect(errors).toEqual([]);
    expect(await page.getAttribute('#status', 'data-state'), String(await page.textContent('#status'))).toBe('done');
    expect(await page.getAttribute('#run-plain .numbers', 'data-plugins')).toBe('');
    expect(await page.getAttribute('#run-regularized .numbers', 'data-plugins')).toBe('inputNoise,affine');
    const paths = await page.$$eval('#run-regularized .chart svg path', (ps) => ps.map((p) => p.getAttribute('d') ?? ''));
    expect(paths).toHaveLength(2);
    for (const d of paths) expect(d.match(/-?\d+(\.\d+)?/g)!.every((n) => Number.isFinite(Number(n)))).toBe(true);
    expect(Number(await page.getAttribute('#run-regularized .numbers', 'data-test-accuracy'))).toBeGreaterThan(0.5);
    await page.close();
  }, 180_000);
});
