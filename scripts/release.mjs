// `pnpm release`: versions every package with pending changesets (changelogs written, changeset files consumed,
// as `changeset version`, with 0.x peer dependents going minor rather than 1.0.0: see release-plan.mjs), rebuilds,
// commits, publishes the new versions to npm and tags them. `pnpm release --dry-run` changes nothing: it prints the
// plan and runs `pnpm publish --dry-run` over every package (what would be uploaded, at today's versions).
import { execFileSync } from 'node:child_process';
import applyReleasePlan from '@changesets/apply-release-plan';
import { read as readConfig } from '@changesets/config';
import { getPackages } from '@manypkg/get-packages';
import { describePlan, releasePlan } from './release-plan.mjs';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--dry-run');
if (unknown.length > 0) {
  console.error(`release: unknown argument ${unknown.map((a) => `'${a}'`).join(', ')}; the only one is --dry-run`);
  process.exit(2);
}
const dryRun = args.includes('--dry-run');
const run = (command, commandArgs, options = {}) => execFileSync(command, commandArgs, { cwd: root, stdio: 'inherit', ...options });

if (!dryRun) {
  // versioning rewrites package.json files and changelogs: start from a committed tree, so the release commit holds
  // exactly the release
  const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).trim();
  if (dirty) {
    console.error(`release: the working tree has uncommitted changes; commit or stash them first:\n${dirty}`);
    process.exit(1);
  }
}

const planned = await releasePlan(root);
for (const line of describePlan(planned)) console.log(line);

if (dryRun) {
  // pnpm publish --dry-run packs each package as it would be uploaded (workspace: ranges replaced) and uploads nothing
  const out = execFileSync('pnpm', ['-r', '--filter', './packages/*', 'publish', '--dry-run', '--no-git-checks'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const packed = out.split('\n').filter((l) => l.startsWith('+ '));
  console.log(`\npublish --dry-run, at today's versions (${packed.length} packages):\n${packed.map((l) => `  ${l.slice(2)}`).join('\n')}`);
  console.log('\ndry run: nothing was changed or published');
  process.exit(0);
}

if (planned.plan.releases.length === 0) process.exit(0);
const packages = await getPackages(root);
const config = await readConfig(root, packages);
await applyReleasePlan(planned.plan, packages, config);
run('pnpm', ['install', '--no-frozen-lockfile']);
run('pnpm', ['build']);
const released = planned.plan.releases.map((r) => `${r.name}@${r.newVersion}`);
run('git', ['add', '-A']);
run('git', ['commit', '-m', `release: ${released.join(', ')}`]);
// pnpm publishes the packages whose version is not on the registry yet, with workspace: ranges replaced
run('pnpm', ['-r', '--filter', './packages/*', 'publish', '--access', 'public']);
for (const tag of released) run('git', ['tag', tag]);
console.log(`released and tagged: ${released.join(', ')}; push the commit and the tags (git push --follow-tags)`);
