import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { browserBundle } from '@tikhonov/core/testing';
import { useWasmBackend } from '@tikhonov/backend-wasm';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { shortFit, type ShortFit } from './fixtures/short-fit.js';

// Debian's chromium (apt), driven by playwright-core: nothing downloads a browser
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const why = !existsSync(CHROMIUM) ? `no chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)` : !existsSync(join(packageDir, 'dist/index.js')) ? 'the package is not built (turbo builds it before the tests)' : undefined;
if (why) console.log(`skipped: core + wasm in a real browser — ${why}`);
const wasmDir = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Serves a page, its bundle and tfjs's wasm binaries on 127.0.0.1, on a free port. */
function serve(files: Record<string, { type: string; body: string | Buffer }>): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const file = files[new URL(request.url ?? '/', 'http://x').pathname];
    if (!file) response.writeHead(404).end();
    else response.writeHead(200, { 'content-type': file.type }).end(file.body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/` })));
}

describe.skipIf(why !== undefined)('core + wasm in a real browser (headless chromium)', () => {
  it('a seeded two-epoch fit on the digits gives, in the page, the numbers Node’s wasm run gives', async () => {
    // the page's code: the packages' browser builds (datasets embedded, no node: modules), bundled as an app would
    const code = await browserBundle(
      "import { useWasmBackend } from '@tikhonov/backend-wasm'; import { shortFit } from './test/fixtures/short-fit.ts'; window.runFit = async (base) => { const info = await useWasmBackend({ paths: base }); return { simd: info.simd, fit: await shortFit() }; };",
      packageDir,
    );
    expect(code).not.toMatch(/from ["']node:|require\(["']node:/);
    const binaries = Object.fromEntries(['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].map((f) => [`/wasm/${f}`, { type: 'application/wasm', body: readFileSync(join(wasmDir, f)) }]));
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
      site.server.close();
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
});
