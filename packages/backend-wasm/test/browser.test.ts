import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { browserBundle } from '@tikhonov/core/testing';
import { chromiumMissing, chromiumPath, serveLocally, type SiteFile } from '@tikhonov/core/testing/node';
import { useWasmBackend } from '@tikhonov/backend-wasm';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { shortFit, type ShortFit } from './fixtures/short-fit.js';

// Debian's chromium (apt), driven by playwright-core: nothing downloads a browser
const CHROMIUM = chromiumPath();
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const why = chromiumMissing() ?? (!existsSync(join(packageDir, 'dist/index.js')) ? 'the package is not built (turbo builds it before the tests)' : undefined);
if (why) console.log(`skipped: core + wasm in a real browser — ${why}`);
const wasmDir = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');

/** tfjs's three wasm binaries, served under /wasm/. */
const wasmBinaries = () => Object.fromEntries(['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].map((f) => [`/wasm/${f}`, { type: 'application/wasm', body: readFileSync(join(wasmDir, f)) }]));

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Serves a page, its bundle and tfjs's wasm binaries (pathname → file) on 127.0.0.1, with extra response headers. */
const serve = (files: Record<string, SiteFile>, headers: Record<string, string> = {}) => serveLocally((pathname) => files[pathname], headers);

describe.skipIf(why !== undefined)('core + wasm in a real browser (headless chromium)', () => {
  it('a seeded two-epoch fit on the digits gives, in the page, the numbers Node’s wasm run gives', async () => {
    // the page's code: the packages' browser builds (datasets embedded, no node: modules), bundled as an app would
    const code = await browserBundle(
      "import { useWasmBackend } from '@tikhonov/backend-wasm'; import { shortFit } from './test/fixtures/short-fit.ts'; window.runFit = async (base) => { const info = await useWasmBackend({ paths: base }); return { simd: info.simd, fit: await shortFit() }; };",
      packageDir,
    );
    expect(code).not.toMatch(/from ["']node:|require\(["']node:/);
    const binaries = wasmBinaries();
    const site = await serve({
      '/': { type: 'text/html', body: '<!doctype html><html><body><script type="module" src="/bundle.js"></script></body></html>' },
      '/bundle.js': { type: 'text/javascript', body: code },
      ...binaries,
    });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    let inPage: { simd: boolean; fit: ShortFit };
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(site.url);
      await page.waitForFunction(() => 'runFit' in window);
      inPage = await page.evaluate((base) => (window as unknown as { runFit(b: string): Promise<{ simd: boolean; fit: ShortFit }> }).runFit(base), `${site.url}wasm/`);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      await site.close();
    }
    const info = await useWasmBackend();
    const inNode = await shortFit();
    console.log(`wasm (SIMD ${info.simd} in Node, ${inPage.simd} in chromium): ${inNode.losses.length} logged losses, last ${inNode.losses.at(-1)} in Node, ${inPage.fit.losses.at(-1)} in the page`);
    expect(inPage.fit.backend).toBe('wasm');
    expect(inNode.backend).toBe('wasm');
    expect(inPage.simd).toBe(info.simd);
    expect(inNode.losses.length).toBeGreaterThan(10);
    // the same seed, the same wasm binary, the same JavaScript: the same numbers, to the last bit
    expect(inPage.fit.losses).toEqual(inNode.losses);
    expect(inPage.fit.validation).toEqual(inNode.validation);
    expect(inPage.fit.paramSum).toBe(inNode.paramSum);
  }, 180_000);

  it('threads: refused without cross-origin isolation and above tfjs’s cap of half the reported cores, naming why; run as asked within it', async () => {
    const code = await browserBundle(
      "import { useWasmBackend } from '@tikhonov/backend-wasm'; window.start = async (base, threads) => { try { return { threads: (await useWasmBackend({ paths: base, threads })).threads }; } catch (e) { return { error: e.message }; } };",
      packageDir,
    );
    const files = { '/': { type: 'text/html', body: '<!doctype html><html><body><script type="module" src="/bundle.js"></script></body></html>' }, '/bundle.js': { type: 'text/javascript', body: code }, ...wasmBinaries() };
    const plain = await serve(files);
    const isolated = await serve(files, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const start = async (url: string, threads: number, cores?: number) => {
      const page = await browser.newPage();
      if (cores !== undefined) await page.addInitScript(`Object.defineProperty(navigator, 'hardwareConcurrency', { get: () => ${cores} })`);
      await page.goto(url);
      await page.waitForFunction(() => 'start' in window);
      const result = await page.evaluate(([base, n]) => (window as unknown as { start(b: string, t: number): Promise<{ threads?: number; error?: string }> }).start(base as string, n as number), [`${url}wasm/`, threads] as const);
      await page.close();
      return result;
    };
    try {
      expect((await start(plain.url, 2, 4)).error).toMatch(/threads = 2 needs wasm threads, which this page does not have: serve it cross-origin isolated .*Allowed here: 1/);
      expect((await start(isolated.url, 2, 2)).error).toMatch(/threads = 2 is more than tfjs-backend-wasm runs here: it caps XNNPACK at half the 2 logical cores the browser reports. Allowed: 1–1/);
      expect(await start(isolated.url, 2, 4)).toEqual({ threads: 2 });
      expect(await start(isolated.url, 1, 2)).toEqual({ threads: 1 });
    } finally {
      await browser.close();
      await plain.close();
      await isolated.close();
    }
  }, 120_000);
});
