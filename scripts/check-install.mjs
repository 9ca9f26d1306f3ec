// Installs every packed package into an empty project with npm, as a user of the published packages would get
// them (no workspace links: each @tikhonov/* dependency, direct or between packages, resolves to its tarball), and
// checks what that user sees. Run by `pnpm test` after scripts/check-packs.mjs.
// 1. With OpenBLAS hidden from pkg-config: the install succeeds (backend-native's install script records why the
//    addon is missing and exits 0), every package's entry imports, the README's twenty-line example trains on the
//    cpu backend, and useNativeBackend() names what to install and `npm rebuild @tikhonov/backend-native`.
// 2. Where OpenBLAS is visible to pkg-config (CI's second pass; skipped with the reason printed otherwise): that
//    rebuild command builds the addon in the user's project, and the twenty lines train on native.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'tikhonov-install-'));
const packages = readdirSync(join(root, 'packages'))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => !manifest.private);
const tfjs = JSON.parse(readFileSync(join(root, 'packages', 'core', 'package.json'), 'utf8')).devDependencies['@tensorflow/tfjs-core'];
const openblasVisible = spawnSync('pkg-config', ['--exists', 'openblas']).status === 0;
const started = performance.now();
try {
  const tarballs = {};
  for (const { dir, manifest } of packages) {
    const before = new Set(readdirSync(work));
    execFileSync('pnpm', ['pack', '--pack-destination', work], { cwd: join(root, 'packages', dir), stdio: 'ignore' });
    tarballs[manifest.name] = `file:${join(work, readdirSync(work).find((f) => !before.has(f)))}`;
  }
  const app = join(work, 'app');
  mkdirSync(app);
  // overrides make the packages' own @tikhonov/* ranges resolve to the tarballs too (they are not on the registry)
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'tikhonov-user-app', private: true, type: 'module', dependencies: { ...tarballs, '@tensorflow/tfjs-core': tfjs, '@tensorflow/tfjs-backend-cpu': tfjs }, overrides: tarballs }, null, 2),
  );
  const empty = mkdtempSync(join(tmpdir(), 'tikhonov-no-pkgconfig-'));
  const hidden = { ...process.env, PKG_CONFIG_LIBDIR: empty, PKG_CONFIG_PATH: '' };
  const npm = (args, env) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: app, env, stdio: ['ignore', 'inherit', 'inherit'] });
  npm(['install'], hidden);

  // every package's main entry loads from its tarball
  const names = packages.map(({ manifest }) => manifest.name);
  writeFileSync(join(app, 'imports.mjs'), `${names.map((n, i) => `import * as p${i} from '${n}';`).join('\n')}\nconsole.log([${names.map((_, i) => `Object.keys(p${i}).length`).join(', ')}].join(' '));\n`);
  const exported = execFileSync('node', ['imports.mjs'], { cwd: app, env: hidden, encoding: 'utf8' }).trim().split('\n').pop().split(' ').map(Number);
  names.forEach((n, i) => {
    if (!(exported[i] > 0)) throw new Error(`${n} exports nothing when installed from its tarball`);
  });

  // the README's twenty lines, with fewer epochs
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const example = readme.slice(readme.indexOf('## Twenty lines')).match(/```ts\n([\s\S]*?)```/)[1].replace('epochs: 20', 'epochs: 2');
  writeFileSync(join(app, 'twenty-lines.mjs'), example);
  const cpu = execFileSync('node', ['twenty-lines.mjs'], { cwd: app, env: hidden, encoding: 'utf8' });
  if (!/accuracy/.test(cpu)) throw new Error(`the twenty-line example printed no accuracy:\n${cpu}`);

  // the native backend without OpenBLAS: installed, and refusing with the user's rebuild command
  writeFileSync(
    join(app, 'native.mjs'),
    "import { useNativeBackend } from '@tikhonov/backend-native';\n" +
      "try { await useNativeBackend(); console.log('STARTED'); } catch (error) { console.log(error.message); }\n",
  );
  const refused = execFileSync('node', ['native.mjs'], { cwd: app, env: hidden, encoding: 'utf8' });
  if (!/apt-get install libopenblas-dev/.test(refused) || !/npm rebuild @tikhonov\/backend-native/.test(refused) || /pnpm --filter/.test(refused)) {
    throw new Error(`useNativeBackend() without OpenBLAS should name what to install and \`npm rebuild @tikhonov/backend-native\`, got:\n${refused}`);
  }
  console.log(`check-install: the ${names.length} packed packages install with npm into an empty project without OpenBLAS, every entry imports, the twenty-line example trains on cpu; useNativeBackend() says: ${refused.trim().slice(0, 100)}…`);

  if (!openblasVisible) {
    console.log('check-install: skipped the native path — OpenBLAS is not visible to pkg-config here (the first CI pass hides it on purpose)');
  } else {
    // what the refusal told the user to run, in the user's project, with OpenBLAS visible
    npm(['rebuild', '@tikhonov/backend-native'], process.env);
    const onNative = example.replace("import '@tensorflow/tfjs-backend-cpu';", "import * as tf from '@tensorflow/tfjs-core';\nimport { useNativeBackend } from '@tikhonov/backend-native';\nawait useNativeBackend();\nconsole.log(`backend: ${tf.getBackend()}`);");
    if (onNative === example) throw new Error("the README's twenty lines no longer start with import '@tensorflow/tfjs-backend-cpu': update check-install's native variant");
    writeFileSync(join(app, 'twenty-lines-native.mjs'), onNative);
    const native = execFileSync('node', ['twenty-lines-native.mjs'], { cwd: app, encoding: 'utf8' });
    if (!/backend: native/.test(native) || !/accuracy/.test(native)) throw new Error(`after npm rebuild the twenty lines should train on native, got:\n${native}`);
    console.log('check-install: with OpenBLAS visible, `npm rebuild @tikhonov/backend-native` builds the addon in the user\'s project and the twenty lines train on native');
  }
  console.log(`check-install: ${((performance.now() - started) / 1000).toFixed(0)} s`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
