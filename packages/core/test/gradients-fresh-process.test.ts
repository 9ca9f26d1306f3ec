import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { browserBundle } from '@tikhonov/core/testing';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('gradients in a fresh Node process', () => {
  it('importing only @tikhonov/core (built) makes tf.grad work, RealDiv included', () => {
    // tfjs-core's own Node bundle registers no gradient; core must bring them.
    expect(existsSync(`${packageDir}/dist/index.js`), 'run the build first (turbo runs it before tests)').toBe(true);
    const script = `
      import * as tf from '@tensorflow/tfjs-core';
      import '@tensorflow/tfjs-backend-cpu';
      import '@tikhonov/core';
      await tf.setBackend('cpu');
      const g = tf.grad((x) => tf.sum(tf.div(tf.square(x), tf.scalar(2))))(tf.tensor1d([1, 2, 3]));
      console.log(JSON.stringify(Array.from(g.dataSync())));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: packageDir, encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual([1, 2, 3]);
  });

  it('with no backend registered, a Trainer or a data set says which backend to import or start (not tfjs\'s bare "No backend found")', () => {
    const script = `
      const { dataset, nn, Trainer } = await import('@tikhonov/core');
      for (const make of [() => new Trainer({ model: nn.dense(1), loss: 'mse' }), () => dataset.fromArrays([[1]], [[1]])]) {
        try { make(); console.log('no error'); } catch (e) { console.log(e.name + ': ' + e.message); }
      }
    `;
    const lines = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: packageDir, encoding: 'utf8' }).trim().split('\n').slice(-2);
    expect(lines[0]).toMatch(/^BackendError: Trainer: no TensorFlow\.js backend is registered\. Import one first: import '@tensorflow\/tfjs-backend-cpu'.*useNativeBackend\(\).*useWasmBackend\(\)/);
    expect(lines[1]).toMatch(/^BackendError: x: no TensorFlow\.js backend is registered/);
  });

  it('a browser bundle of the built core has no Node-only module in it (cli-progress sits behind the browser condition), and the Node build still draws the bar', async () => {
    const code = await browserBundle("import { nn, Trainer } from '@tikhonov/core'; console.log(nn, Trainer);", packageDir);
    expect(code).not.toMatch(/cli-progress|require\("readline"\)|from "readline"/);
    // in Node, progress: true loads the real bar through the same import
    const script = `
      import * as tf from '@tensorflow/tfjs-core';
      import '@tensorflow/tfjs-backend-cpu';
      const { dataset, nn, Trainer } = await import('@tikhonov/core');
      await tf.setBackend('cpu');
      const t = new Trainer({ model: nn.dense(2), loss: 'mse', progress: true });
      await t.fit(dataset.fromArrays([[1], [2]], [[1, 0], [0, 1]]), { epochs: 1, batchSize: 2 });
      console.log('fit done');
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: packageDir, encoding: 'utf8' });
    expect(out).toContain('fit done');
  });

  it('without it, tfjs-core alone has no gradient for RealDiv (the problem core solves)', () => {
    const script = `
      import * as tf from '@tensorflow/tfjs-core';
      import '@tensorflow/tfjs-backend-cpu';
      await tf.setBackend('cpu');
      try { tf.grad((x) => tf.sum(tf.div(x, tf.scalar(2))))(tf.tensor1d([1])); console.log('ok'); }
      catch (e) { console.log(e.message); }
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: packageDir, encoding: 'utf8' });
    expect(out).toMatch(/gradient function not found for/);
  });

  it('a fit with the progress line off does not load cli-progress (Node-only: it pulls in readline), so core stays browser-safe', () => {
    const script = `
      import * as tf from '@tensorflow/tfjs-core';
      import '@tensorflow/tfjs-backend-cpu';
      const { dataset, nn, Trainer } = await import('@tikhonov/core');
      await tf.setBackend('cpu');
      const t = new Trainer({ model: nn.sequential([nn.dense(2)]), loss: 'mse', progress: false });
      await t.fit(dataset.fromTensors(tf.ones([4, 3]), tf.ones([4, 2])), { epochs: 1, batchSize: 2 });
      const cache = Object.keys((await import('node:module')).createRequire(import.meta.url).cache ?? {});
      console.log(JSON.stringify(cache.filter((p) => /cli-progress/.test(p))));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: packageDir, encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual([]);
  });
});
