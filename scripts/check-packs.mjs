// Packs every published package as npm would receive it (pnpm pack) and checks
// the tarball: LICENSE, README.md and package.json are in it, every file its
// exports/imports point a consumer at (all conditions but the repo-internal
// @tikhonov/source and types-from-source) is in it, no "workspace:" range is
// left, engines.node is set, and no test file or source map ships; then
// publint (package.json against the files) and @arethetypeswrong/cli (the
// types each entry resolves to, ESM profile: the packages are ESM only) over
// the same tarball. Run by `pnpm test`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = new URL('..', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'tikhonov-packs-'));
const problems = [];
// every string target under a conditions object, skipping the conditions consumers never use
const targets = (entry, skip = ['@tikhonov/source']) =>
  typeof entry === 'string' ? [entry] : entry && typeof entry === 'object' ? Object.entries(entry).flatMap(([k, v]) => (skip.includes(k) ? [] : targets(v, skip))) : [];
try {
  for (const name of readdirSync(join(root, 'packages')).sort()) {
    const dir = join(root, 'packages', name);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    if (manifest.private) continue;
    const before = new Set(readdirSync(out));
    execFileSync('pnpm', ['pack', '--pack-destination', out], { cwd: dir, stdio: 'ignore' });
    const tarball = readdirSync(out).find((f) => !before.has(f));
    const files = new Set(execFileSync('tar', ['-tzf', join(out, tarball)], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, '')));
    const packed = JSON.parse(execFileSync('tar', ['-xzOf', join(out, tarball), 'package/package.json'], { encoding: 'utf8' }));
    const say = (what) => problems.push(`${manifest.name}: ${what}`);
    const known = problems.length;
    for (const file of ['LICENSE', 'README.md', 'package.json']) if (!files.has(file)) say(`${file} is not in the tarball`);
    // imports' "types" may point at sources for the repo's own type checking: d.ts files never import them
    const wanted = [...targets(packed.exports ?? {}), ...Object.values(packed.imports ?? {}).flatMap((e) => targets(e, ['@tikhonov/source', 'types']))];
    for (const target of wanted) if (!files.has(target.replace(/^\.\//, ''))) say(`exports/imports point at ${target}, which is not in the tarball`);
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const [dep, range] of Object.entries(packed[field] ?? {})) if (String(range).startsWith('workspace:')) say(`${field}.${dep} is still ${range}`);
    }
    if (!packed.engines?.node) say('engines.node is not set');
    if (!Array.isArray(packed.keywords) || packed.keywords.length === 0) say('keywords are not set (npm search finds packages by them)');
    if (packed.license !== 'Apache-2.0') say(`license is ${packed.license}, expected Apache-2.0`);
    for (const file of files) if (/\.test\.|(^|\/)test\//.test(file)) say(`ships the test file ${file}`);
    // source maps would point at src/, which is not shipped
    for (const file of files) if (file.endsWith('.map')) say(`ships the source map ${file} without its sources`);
    const lint = await publint({ pkgDir: dir, pack: 'pnpm', level: 'warning' });
    for (const message of lint.messages) say(`publint: ${formatMessage(message, lint.pkg) ?? message.code}`);
    try {
      execFileSync(join(root, 'node_modules/.bin/attw'), [join(out, tarball), '--profile', 'esm-only', '--format', 'table-flipped', '--no-color'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      say(`@arethetypeswrong/cli:\n${String(error.stdout ?? error.message).trim()}`);
    }
    console.log(`${manifest.name}@${packed.version}: ${files.size} files, ${problems.length === known ? 'clean' : `${problems.length - known} problems`}`);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
if (problems.length > 0) {
  console.error(`packed packages are not publishable:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('every package packs with its license, readme and entry points, no workspace ranges, and passes publint and attw');
