// The release plan changesets would apply (the changeset files against the packages' versions), with one
// correction for 0.x packages. Used by scripts/release.mjs and checked by scripts/check-release.mjs.
import getReleasePlan from '@changesets/get-release-plan';
import semver from 'semver';

/**
 * changesets bumps a package "major" when a workspace package it names in peerDependencies leaves the declared
 * range (every plugin's `@tikhonov/core: workspace:^` once core goes 0.1 → 0.2): for a 0.x package that is 1.0.0
 * (changesets/changesets#794 and #1887; changed only in changesets 3, which needs Node 22). In 0.x a minor is the
 * breaking bump (semver §4), so a 0.x package that is major only through such a dependency goes minor instead. A
 * `major` changeset written for the package itself stays major: 1.0 is released on purpose.
 * Returns the corrected plan and the names it corrected.
 */
export function zeroMajorsAsMinors(plan) {
  const explicitMajor = new Set(plan.changesets.flatMap((c) => c.releases.filter((r) => r.type === 'major').map((r) => r.name)));
  const corrected = [];
  const releases = plan.releases.map((release) => {
    if (release.type !== 'major' || semver.major(release.oldVersion) !== 0 || explicitMajor.has(release.name)) return release;
    corrected.push(release.name);
    return { ...release, type: 'minor', newVersion: semver.inc(release.oldVersion, 'minor') };
  });
  return { plan: { ...plan, releases }, corrected };
}

/** changesets' own plan for the repository at `cwd` (`raw`) and the corrected one. */
export async function releasePlan(cwd) {
  const raw = await getReleasePlan(cwd);
  return { raw, ...zeroMajorsAsMinors(raw) };
}

/** The plan as lines of text: each package's old → new version, marking the corrected ones. */
export function describePlan({ raw, plan, corrected }) {
  // 'none': a package a changeset names without a bump (the private examples)
  const releases = plan.releases.filter((r) => r.type !== 'none');
  if (releases.length === 0) return ['nothing to release: no changeset files in .changeset/'];
  const width = Math.max(...releases.map((r) => r.name.length));
  return [
    `${plan.changesets.length} changesets:`,
    ...releases.map((r) => {
      const note = corrected.includes(r.name) ? `  (changesets says ${raw.releases.find((x) => x.name === r.name).newVersion}: a peer dependency left its range; 0.x → minor)` : '';
      return `  ${r.name.padEnd(width)}  ${r.oldVersion} → ${r.newVersion} (${r.type})${note}`;
    }),
  ];
}
