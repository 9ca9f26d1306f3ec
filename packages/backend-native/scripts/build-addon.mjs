// Builds the C++ addon with node-gyp. Without OpenBLAS (or a compiler) the build
// fails: we say why and what to install, record it for useNativeBackend's error,
// and exit 0 so that every other package still installs and builds.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const reasonFile = `${root}build-unavailable.txt`;
rmSync(reasonFile, { force: true });

const pkgConfig = spawnSync('pkg-config', ['--exists', 'openblas']);
if (pkgConfig.error || pkgConfig.status !== 0) {
  const reason = 'OpenBLAS was not found by pkg-config. Install it with `sudo apt-get install libopenblas-dev pkg-config` (Debian/Ubuntu), then rebuild with `pnpm --filter @tikhonov/backend-native build`.';
  writeFileSync(reasonFile, reason);
  console.warn(`@tikhonov/backend-native: native addon not built. ${reason}`);
  process.exit(0);
}
const gyp = require.resolve('node-gyp/bin/node-gyp.js');
// Build against the headers of the running Node (nothing may be downloaded):
// npm's nodedir setting if given, else Node's own install prefix.
const prefix = dirname(dirname(process.execPath));
const nodedir = process.env.npm_config_nodedir || (existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined);
const args = [gyp, 'rebuild', '--jobs', 'max', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (result.status !== 0) {
  const reason = `node-gyp failed (exit ${result.status}): ${(result.stderr || result.stdout || '').split('\n').filter(Boolean).slice(-8).join(' | ')}. Needs g++, make, python3 and Node's headers; then rebuild with \`pnpm --filter @tikhonov/backend-native build\`.`;
  mkdirSync(root, { recursive: true });
  writeFileSync(reasonFile, reason);
  console.warn(`@tikhonov/backend-native: native addon not built. ${reason}`);
  process.exit(0);
}
console.log('@tikhonov/backend-native: built build/Release/tikhonov_native.node');
