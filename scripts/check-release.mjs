// Checks the release path, run by `pnpm test`:
// 1. on a two-package fixture (b has a peer dependency on a, both 0.1.0), a minor changeset for a makes
//    changesets plan b 1.0.0 (the behaviour release-plan.mjs corrects — if a changesets update stops doing it,
//    this says so) and the corrected plan b 0.2.0; a major changeset written for b keeps it 1.0.0;
// 2. this repository's corrected plan takes no package to 1.0 unless a changeset says major for it;
// 3. `pnpm release --dry-run` runs: the plan, then pnpm publish --dry-run over every package.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { releasePlan } from './release-plan.mjs';

const root = new URL('..', import.meta.url).pathname;
const problems = [];
const expect = (ok, what) => ok || problems.push(what);
const version = (plan, name) => plan.releases.find((r) => r.name === name)?.newVersion;

async function fixturePlan(changesets) {
  const dir = mkdtempSync(join(tmpdir(), 'tikhonov-release-'));
  try {
    const write = (path, content) => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    };
    write('package.json', { name: 'fixture', private: true });
    write('pnpm-workspace.yaml', 'packages:\n  - packages/*\n');
    write('.changeset/config.json', readFileSync(join(root, '.changeset/config.json'), 'utf8'));
    write('packages/a/package.json', { name: 'a', version: '0.1.0' });
    write('packages/b/package.json', { name: 'b', version: '0.1.0', peerDependencies: { a: 'workspace:^' } });
    changesets.forEach((text, i) => write(`.changeset/change-${i}.md`, text));
    return await releasePlan(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const minorForA = "---\n'a': minor\n---\n\na changes\n";
const peer = await fixturePlan([minorForA]);
expect(version(peer.raw, 'b') === '1.0.0', `changesets' own plan for the peer dependent b is ${version(peer.raw, 'b')}, not 1.0.0: release-plan.mjs's correction may no longer be needed`);
expect(version(peer.plan, 'a') === '0.2.0' && version(peer.plan, 'b') === '0.2.0', `the corrected plan gives a ${version(peer.plan, 'a')}, b ${version(peer.plan, 'b')}; expected 0.2.0 for both`);
expect(peer.corrected.join() === 'b', `corrected ${peer.corrected.join(', ')}; expected b only`);
const deliberate = await fixturePlan([minorForA, "---\n'b': major\n---\n\nb goes 1.0\n"]);
expect(version(deliberate.plan, 'b') === '1.0.0', `a major changeset for b gives ${version(deliberate.plan, 'b')}, not 1.0.0`);

const own = await releasePlan(root);
const majors = new Set(own.plan.changesets.flatMap((c) => c.releases.filter((r) => r.type === 'major').map((r) => r.name)));
for (const r of own.plan.releases.filter((x) => x.type !== 'none')) expect(r.newVersion.startsWith('0.') || majors.has(r.name), `${r.name} would go ${r.oldVersion} → ${r.newVersion} with no major changeset for it`);
expect(own.plan.changesets.length === readdirSync(join(root, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md').length, 'the plan does not read every changeset file');

const dry = execFileSync(process.execPath, [join(root, 'scripts/release.mjs'), '--dry-run'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const packages = readdirSync(join(root, 'packages')).filter((p) => !JSON.parse(readFileSync(join(root, 'packages', p, 'package.json'), 'utf8')).private);
const listed = dry.match(/publish --dry-run, at today's versions \((\d+) packages\)/);
expect(listed && Number(listed[1]) === packages.length, `release --dry-run listed ${listed?.[1]} packages, the repository has ${packages.length} to publish`);
expect(dry.includes('dry run: nothing was changed or published'), 'release --dry-run did not finish');

if (problems.length > 0) {
  console.error(`release checks failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(dry.split('\n').filter((l) => l.trim()).slice(0, 3).join('\n'));
console.log(`release: a 0.x peer dependent goes minor (changesets alone: 1.0.0), a major changeset still gives 1.0; this repository's plan keeps 0.x; release --dry-run lists all ${packages.length} packages`);
