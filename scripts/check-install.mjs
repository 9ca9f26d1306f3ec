// Installs the packed packages into an empty project, as a user of the
// published packages would get them, and runs the README's twenty-line
// example there. Package contents come from the pnpm store the workspace
// install filled (--prefer-offline: only version metadata is read from the
// registry), build scripts are allowed as npm allows them, and OpenBLAS is
// hidden from pkg-config, so it also shows that @tikhonov/backend-native
// installs on a machine without the native parts and that useNativeBackend()
// then says what to install and the rebuild command for that user (not the
// repository's). Run by `pnpm test` after scripts/check-packs.mjs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'tikhonov-install-'));
const packages = ['core', 'datasets', 'norm-penalties', 'backend-native'];
const tfjs = JSON.parse(readFileSync(join(root, 'packages', 'core', 'package.json'), 'utf8')).devDependencies['@tensorflow/tfjs-core'];
try {
  const tarballs = {};
  for (const name of packages) {
    const before = new Set(readdirSync(work));
    execFileSync('pnpm', ['pack', '--pack-destination', work], { cwd: join(root, 'packages', name), stdio: 'ignore' });
    tarballs[`@tikhonov/${name}`] = `file:${join(work, readdirSync(work).find((f) => !before.has(f)))}`;
  }
  const app = join(work, 'app');
  execFileSync('mkdir', [app]);
  // the tarballs stand in for the registry: every @tikhonov/* range resolves to its tarball
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'tikhonov-user-app',
      private: true,
      type: 'module',
      dependencies: { ...tarballs, '@tensorflow/tfjs-core': tfjs, '@tensorflow/tfjs-backend-cpu': tfjs },
      pnpm: { overrides: tarballs },
    }),
  );
  const empty = mkdtempSync(join(tmpdir(), 'tikhonov-no-pkgconfig-'));
  const env = { ...process.env, PKG_CONFIG_LIBDIR: empty, PKG_CONFIG_PATH: '' };
  const store = execFileSync('pnpm', ['store', 'path'], { cwd: root, encoding: 'utf8' }).trim();
  execFileSync('pnpm', ['install', '--prefer-offline', '--store-dir', store, '--config.node-linker=isolated', '--config.dangerously-allow-all-builds=true', '--ignore-workspace'], { cwd: app, env, stdio: ['ignore', 'inherit', 'inherit'] });
  // the README's twenty lines, with fewer epochs
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const example = readme.slice(readme.indexOf('## Twenty lines')).match(/```ts\n([\s\S]*?)```/)[1].replace('epochs: 20', 'epochs: 2');
  writeFileSync(join(app, 'twenty-lines.mjs'), example);
  const out = execFileSync('node', ['twenty-lines.mjs'], { cwd: app, env, encoding: 'utf8' });
  if (!/accuracy/.test(out)) throw new Error(`the twenty-line example printed no accuracy:\n${out}`);
  // the native backend without OpenBLAS: installed, and refusing with the user's rebuild command
  writeFileSync(
    join(app, 'native.mjs'),
    "import { useNativeBackend } from '@tikhonov/backend-native';\n" +
      "try { await useNativeBackend(); console.log('STARTED'); } catch (error) { console.log(error.message); }\n",
  );
  const native = execFileSync('node', ['native.mjs'], { cwd: app, env, encoding: 'utf8' });
  if (!/apt-get install libopenblas-dev/.test(native) || !/npm rebuild @tikhonov\/backend-native/.test(native) || /pnpm --filter/.test(native)) {
    throw new Error(`useNativeBackend() without OpenBLAS should name what to install and \`npm rebuild @tikhonov/backend-native\`, got:\n${native}`);
  }
  console.log(`check-install: the packed ${packages.map((p) => `@tikhonov/${p}`).join(', ')} install into an empty project without OpenBLAS (contents from the store); the twenty-line example trains there; useNativeBackend() says: ${native.trim().slice(0, 120)}…`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
