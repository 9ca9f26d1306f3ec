// Builds the C++ addon with node-gyp. It is the package's `install` script
// (so no package manager runs its implicit `node-gyp rebuild`, which fails
// without OpenBLAS) and runs again from `build` with --if-stale (only when a
// source is newer than the addon). Without OpenBLAS (or a compiler) the build
// fails: we say why and what to install, record it for useNativeBackend's
// error, and exit 0 so that the install and every other package still work.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const reasonFile = `${root}build-unavailable.txt`;
const addon = join(root, 'build', 'Release', 'tikhonov_native.node');
// the rebuild command for whoever installed the package: this repo, or an app that depends on it
const rebuild = existsSync(join(root, '..', '..', 'pnpm-workspace.yaml'))
  ? '`pnpm --filter @tikhonov/backend-native build`'
  : '`npm rebuild @tikhonov/backend-native` (or `pnpm rebuild @tikhonov/backend-native`)';

if (process.argv.includes('--if-stale') && existsSync(addon)) {
  const built = statSync(addon).mtimeMs;
  const sources = [join(root, 'binding.gyp'), ...readdirSync(join(root, 'src', 'addon')).map((f) => join(root, 'src', 'addon', f))];
  if (sources.every((f) => statSync(f).mtimeMs <= built)) process.exit(0);
}
rmSync(reasonFile, { force: true });

const pkgConfig = spawnSync('pkg-config', ['--exists', 'openblas']);
if (pkgConfig.error || pkgConfig.status !== 0) {
  const reason = `OpenBLAS was not found by pkg-config. Install it with \`sudo apt-get install libopenblas-dev pkg-config\` (Debian/Ubuntu), then rebuild with ${rebuild}.`;
  writeFileSync(reasonFile, reason);
  console.warn(`@tikhonov/backend-native: native addon not built. ${reason}`);
  process.exit(0);
}
// node-gyp: this package's own (a development install) or the one the package manager runs scripts with
const gyp = (() => {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return process.env.npm_config_node_gyp;
  }
})();
if (!gyp || !existsSync(gyp)) {
  const reason = `node-gyp was not found (neither installed beside this package nor given by the package manager as npm_config_node_gyp). Install it (\`npm install --global node-gyp\`), then rebuild with ${rebuild}.`;
  writeFileSync(reasonFile, reason);
  console.warn(`@tikhonov/backend-native: native addon not built. ${reason}`);
  process.exit(0);
}
// Build against the headers of the running Node (nothing may be downloaded):
// npm's nodedir setting if given, else Node's own install prefix.
const prefix = dirname(dirname(process.execPath));
const nodedir = process.env.npm_config_nodedir || (existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined);
const args = [gyp, 'rebuild', '--jobs', 'max', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (result.status !== 0) {
  const reason = `node-gyp failed (exit ${result.status}): ${(result.stderr || result.stdout || '').split('\n').filter(Boolean).slice(-8).join(' | ')}. Needs g++, make, python3 and Node's headers; then rebuild with ${rebuild}.`;
  mkdirSync(root, { recursive: true });
  writeFileSync(reasonFile, reason);
  console.warn(`@tikhonov/backend-native: native addon not built. ${reason}`);
  process.exit(0);
}
console.log('@tikhonov/backend-native: built build/Release/tikhonov_native.node');
