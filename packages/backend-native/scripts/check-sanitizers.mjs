// Builds the addon once more under AddressSanitizer and UndefinedBehaviorSanitizer (GCC's, from Debian's g++) in a
// temporary directory — the package's own build is left as it is — and runs the native tests against that build
// (TIKHONOV_NATIVE_ADDON points loadAddon at it; the sanitizer runtimes are preloaded into node, which is not
// instrumented itself). Any sanitizer report stops the run with a non-zero exit. Leak detection is off: V8 and node
// keep allocations alive until exit by design. Called by .ci/run after the tests, where OpenBLAS is visible.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
if (spawnSync('pkg-config', ['--exists', 'openblas']).status !== 0) {
  console.log('check-sanitizers: skipped — OpenBLAS is not visible to pkg-config (apt-get install libopenblas-dev pkg-config)');
  process.exit(0);
}
const runtime = (name) => execFileSync('gcc', [`-print-file-name=${name}`], { encoding: 'utf8' }).trim();
const work = mkdtempSync(join(tmpdir(), 'tikhonov-sanitizers-'));
try {
  cpSync(join(root, 'src', 'addon'), join(work, 'src', 'addon'), { recursive: true });
  const gyp = JSON.parse(readFileSync(join(root, 'binding.gyp'), 'utf8').replace(/^\s*#.*$/gm, ''));
  const target = gyp.targets[0];
  // the copy has no scripts/: settle whether oneDNN is built in here, as the package's build would
  gyp.variables['has_dnnl%'] = execFileSync(process.execPath, [join(root, 'scripts', 'has-dnnl.mjs')], { encoding: 'utf8' }).trim();
  // node-addon-api's headers from this package (the copy has no node_modules); -O1 keeps the reports readable
  target.include_dirs[0] = dirname(require.resolve('node-addon-api/package.json'));
  const sanitize = ['-fsanitize=address,undefined', '-fno-sanitize-recover=undefined', '-fno-omit-frame-pointer', '-g'];
  target.cflags_cc = [...target.cflags_cc.filter((f) => f !== '-O3'), '-O1', ...sanitize];
  target.ldflags = [...(target.ldflags ?? []), ...sanitize];
  writeFileSync(join(work, 'binding.gyp'), JSON.stringify(gyp, null, 2));
  const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
  // against the running Node's headers, as build-addon.mjs does: nothing is downloaded
  const nodedir = process.env.npm_config_nodedir || dirname(dirname(process.execPath));
  execFileSync(process.execPath, [nodeGyp, 'rebuild', '--jobs', 'max', `--nodedir=${nodedir}`], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
  const addon = join(work, 'build', 'Release', 'tikhonov_native.node');
  const env = {
    ...process.env,
    TIKHONOV_NATIVE_ADDON: addon,
    LD_PRELOAD: [runtime('libasan.so'), runtime('libubsan.so')].join(':'),
    ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:halt_on_error=1',
    UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
  };
  const vitest = join(root, 'node_modules', '.bin', 'vitest');
  const tests = spawnSync(vitest, ['run', '--reporter=dot'], { cwd: root, env, encoding: 'utf8' });
  const out = `${tests.stdout}\n${tests.stderr}`;
  if (tests.status !== 0 || /ERROR: AddressSanitizer|runtime error:/.test(out)) {
    console.error(out);
    console.error('check-sanitizers: the native tests failed under AddressSanitizer + UBSan');
    process.exit(1);
  }
  const summary = out.match(/Tests\s+.*\d+ passed.*/)?.[0]?.replace(/\x1b\[[0-9;]*m/g, '') ?? '';
  console.log(`check-sanitizers: the native tests pass against an AddressSanitizer + UBSan build of the addon, with no report (${summary.trim()})`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
