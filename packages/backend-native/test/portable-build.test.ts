import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { unavailable } from './available.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const nodeHeaders = join(dirname(dirname(process.execPath)), 'include', 'node');
const why = unavailable ?? (existsSync(join(nodeHeaders, 'node_api.h')) ? undefined : `Node's headers are not at ${nodeHeaders}`);
if (why) console.warn(`the portable-build check is skipped: ${why}`);

/** binding.gyp's C++ sources but oneDNN's convolution file (checked on its own below). */
const sources = (JSON.parse(readFileSync(join(packageDir, 'binding.gyp'), 'utf8').replace(/^\s*#.*$/gm, '')) as { targets: Array<{ sources: string[] }> }).targets[0]!.sources.filter((f) => !f.endsWith('dnnl-conv.cc'));

/** The addon's sources preprocessed (or only syntax-checked) with extra flags, as binding.gyp would compile them, one after the other. */
function compile(flags: string[]): string {
  const addonApi = createRequire(import.meta.url)('node-addon-api').include_dir as string;
  const blas = execFileSync('pkg-config', ['--cflags-only-I', 'openblas'], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean);
  return sources.map((file) => execFileSync('g++', ['-std=c++17', '-DNAPI_VERSION=8', '-DNAPI_CPP_EXCEPTIONS', `-I${addonApi}`, `-I${nodeHeaders}`, ...blas, ...flags, file], { cwd: packageDir, encoding: 'utf8', maxBuffer: 64 << 20 })).join('\n');
}

describe.skipIf(why !== undefined)('the portable build (CPUs without x86-64 clones)', () => {
  it('compiles without target_clones, which only the x86-64 GCC build uses', () => {
    expect(sources.length).toBeGreaterThan(5); // the kernel files by family, not one file
    expect(compile(['-E'])).toContain('target_clones');
    const portable = compile(['-E', '-DTIKHONOV_PORTABLE']);
    expect(portable).not.toContain('target_clones');
    // and it is valid C++ as it stands
    expect(() => compile(['-fsyntax-only', '-DTIKHONOV_PORTABLE'])).not.toThrow();
  }, 60_000);

  it('builds without oneDNN: its convolution and product files then compile to stubs, and the probe says 0 when told to', () => {
    // without TIKHONOV_DNNL the files include no oneDNN header (a machine with OpenBLAS alone)
    for (const file of ['src/addon/dnnl-conv.cc', 'src/addon/dnnl-gemm.cc']) {
      const stubs = execFileSync('g++', ['-std=c++17', '-E', file], { cwd: packageDir, encoding: 'utf8' });
      expect(stubs, file).not.toMatch(/dnnl\.hpp|dnnl\.h"|omp\.h/);
      expect(() => execFileSync('g++', ['-std=c++17', '-fsyntax-only', file], { cwd: packageDir }), file).not.toThrow();
    }
    expect(execFileSync(process.execPath, ['scripts/has-dnnl.mjs'], { cwd: packageDir, encoding: 'utf8', env: { ...process.env, TIKHONOV_NO_DNNL: '1' } })).toBe('0');
  }, 60_000);
});
