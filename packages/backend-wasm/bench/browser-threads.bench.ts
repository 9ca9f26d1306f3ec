// Benchmark (not a test): multi-threaded wasm in a real browser (issue #20's sixth item). tfjs-backend-wasm runs
// XNNPACK on several threads only in a cross-origin-isolated page (SharedArrayBuffer), never in Node. This serves a
// page on 127.0.0.1 with the COOP/COEP headers that isolate it, opens it in Debian's headless chromium (driven by
// playwright-core; nothing downloads a browser) once per thread count, and times Trainer steps of the backend
// benches' MLP 784-256-256-10 (batch 128) and their CNN (batch 64) in the page — fresh pages alternating between 1
// and 2 threads, since wasm's thread count is fixed when it starts. Printed: ms per step and the 2-thread speed-up.
// tfjs caps the threads at half the cores the browser reports, so the pages report 4 (see below).
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserBundle } from '@tikhonov/core/testing';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.env.TIKHONOV_BENCH_ROUNDS ?? 3);
const CORES_REPORTED = 4;
const why = !existsSync(CHROMIUM) ? `no chromium at ${CHROMIUM} (apt-get install chromium)` : !existsSync(join(packageDir, 'dist/index.js')) ? 'the package is not built (pnpm turbo run build)' : undefined;
if (why) {
  console.log(`browser threads bench skipped: ${why}`);
  process.exit(0);
}

interface PageResult {
  isolated: boolean;
  threads: number;
  simd: boolean;
  mlp: number;
  cnn: number;
}

// the page: start wasm with the asked thread count, then time steps of each model on random data
const code = await browserBundle(
  `import { useWasmBackend } from '@tikhonov/backend-wasm';
   import * as tf from '@tensorflow/tfjs-core';
   import { dataset, nn, Trainer } from '@tikhonov/core';
   const time = async (model, shape, batch, steps) => {
     const n = batch * 2;
     const x = tf.randomUniform([n, ...shape], 0, 1, 'float32', 1);
     const y = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 10), 'int32');
     const data = dataset.fromTensors(x, y);
     const trainer = new Trainer({ model, loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 0.01 }, progress: false, seed: 0 });
     const run = async (k) => { await trainer.fit(data, { epochs: 1e6, batchSize: batch, maxSteps: trainer.step + k }); await trainer.params.all.at(-1).variable.data(); };
     await run(3);
     const t0 = performance.now();
     await run(steps);
     const ms = (performance.now() - t0) / steps;
     trainer.dispose();
     tf.dispose([x, y]);
     return ms;
   };
   window.runBench = async (base, threads) => {
     const info = await useWasmBackend({ paths: base, threads });
     const mlp = await time(nn.sequential([nn.dense(256, { activation: 'relu' }), nn.dense(256, { activation: 'relu' }), nn.dense(10)]), [784], 128, 40);
     const conv = (f) => nn.conv2d(f, 3, { activation: 'relu' });
     const cnn = await time(nn.sequential([conv(32), nn.maxPool2d(2), conv(64), nn.maxPool2d(2), nn.flatten(), nn.dense(128, { activation: 'relu' }), nn.dense(10)]), [28, 28, 1], 64, 6);
     return { isolated: self.crossOriginIsolated, threads: info.threads, simd: info.simd, mlp, cnn };
   };`,
  packageDir,
);
const wasmDir = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
const files: Record<string, { type: string; body: string | Buffer }> = {
  '/': { type: 'text/html', body: '<!doctype html><html><body><script type="module" src="/bundle.js"></script></body></html>' },
  '/bundle.js': { type: 'text/javascript', body: code },
  ...Object.fromEntries(['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].map((f) => [`/wasm/${f}`, { type: 'application/wasm', body: readFileSync(join(wasmDir, f)) }])),
};
// COOP + COEP make the page cross-origin isolated, which is what lets it create SharedArrayBuffers (wasm threads)
const server: Server = createServer((request, response) => {
  const file = files[new URL(request.url ?? '/', 'http://x').pathname];
  if (!file) response.writeHead(404).end();
  else response.writeHead(200, { 'content-type': file.type, 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }).end(file.body);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
const results: Record<number, PageResult[]> = { 1: [], 2: [] };
try {
  for (let r = 0; r < rounds; r++) {
    for (const threads of [1, 2]) {
      const page = await browser.newPage();
      // tfjs-backend-wasm runs at most hardwareConcurrency / 2 XNNPACK threads (it assumes two hyperthreads per core):
      // on this machine's 2 cores that is 1, so the page reports 4 and the 2-thread page can run 2
      await page.addInitScript(`Object.defineProperty(navigator, 'hardwareConcurrency', { get: () => ${CORES_REPORTED} })`);
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(url);
      await page.waitForFunction(() => 'runBench' in window);
      const result = await page.evaluate(([base, n]) => (window as unknown as { runBench(b: string, t: number): Promise<PageResult> }).runBench(base as string, n as number), [`${url}wasm/`, threads] as const);
      if (errors.length > 0) throw new Error(`the page failed: ${errors.join('; ')}`);
      results[threads]!.push(result);
      await page.close();
    }
  }
} finally {
  await browser.close();
  server.close();
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
const first = results[2]![0]!;
console.log(`headless chromium, cross-origin isolated: ${first.isolated}, SIMD ${first.simd}, ${CORES_REPORTED} cores reported to the page (2 here); XNNPACK threads asked 1 and 2, running ${results[1]![0]!.threads} and ${first.threads}; ${rounds} rounds of fresh pages, alternating`);
for (const [model, label] of [['mlp', 'MLP 784-256-256-10, batch 128'], ['cnn', 'CNN conv32-pool-conv64-pool-dense128, batch 64']] as const) {
  const one = results[1]!.map((x) => x[model]);
  const two = results[2]!.map((x) => x[model]);
  const ratios = one.map((v, i) => v / two[i]!).sort((a, b) => a - b);
  console.log(`  ${label}: 1 thread ${median(one).toFixed(1)} ms/step, 2 threads ${median(two).toFixed(1)} ms/step; speed-up ${median(ratios).toFixed(2)}× (range ${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)})`);
}
