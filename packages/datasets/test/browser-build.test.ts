import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { browserBundle } from '@tikhonov/core/testing';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

// what the embedded sets hold, summed: the same numbers must come out of either build
const script = (from: string) => `
  import * as tf from '@tensorflow/tfjs-core';
  import '@tensorflow/tfjs-backend-cpu';
  import { loadDigits, loadBreastCancer, loadDiabetes } from '${from}';
  await tf.setBackend('cpu');
  const sum = (t) => Array.from(t.dataSync()).reduce((a, b) => a + b, 0);
  console.log(JSON.stringify([loadDigits(), loadBreastCancer(), loadDiabetes()].map((d) => [d.data.size, sum(d.data.x), sum(d.data.y)])));
`;

describe('the browser build (export condition browser)', () => {
  it('bundles with no Node built-in, and its embedded sets (base64 + fflate) equal the Node build’s (fs + zlib)', async () => {
    expect(existsSync(`${packageDir}/dist/embedded-data.js`), 'run the build first (turbo runs it before tests)').toBe(true);
    // the package's own code bundled as a browser bundler would; tfjs and core stay imports, resolved here
    const code = await browserBundle("export * from '@tikhonov/datasets';", packageDir, { external: ['@tensorflow/tfjs-core', '@tikhonov/core'] });
    expect(code).not.toMatch(/["']node:|["'](fs|zlib|path)["']/);
    expect(code).toContain('gunzipSync');
    const bundle = `${packageDir}/.browser-bundle-${process.pid}.mjs`;
    writeFileSync(bundle, code);
    try {
      const run = (from: string) => execFileSync(process.execPath, ['--input-type=module', '-e', script(from)], { cwd: packageDir, encoding: 'utf8' }).trim().split('\n').pop()!;
      const fromBrowserBuild = JSON.parse(run(bundle));
      const fromNodeBuild = JSON.parse(run('@tikhonov/datasets'));
      expect(fromBrowserBuild).toEqual(fromNodeBuild);
      expect(fromBrowserBuild.map((d: number[]) => d[0])).toEqual([1797, 569, 442]);
    } finally {
      rmSync(bundle, { force: true });
    }
  });
});
