// Keeps CLAIMS.md honest. Every row of its table names a seed claim and either
// the test that checks it — `package` and `test/file.test.ts › describe › … › it`
// — or "not checkable: <why>", or "none yet: <what is missing>". This script reads each package's
// test-results.json (vitest's JSON reporter, written by the `pnpm test` run just
// before it) and fails if a named test does not exist or did not pass in that
// run (skipped counts as not run). It lists the rows without a test. Run by
// `pnpm test`; `node scripts/check-claims.mjs` after a test run checks alone.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const SEP = ' › ';

/** The table rows of CLAIMS.md as { line, cells }, header and rule lines left out. */
function tableRows(text) {
  const rows = [];
  text.split('\n').forEach((line, i) => {
    if (!line.startsWith('|') || /^\|\s*-/.test(line)) return;
    // split on pipes that are not escaped as \|
    const cells = line.slice(1, line.lastIndexOf('|')).split(/(?<!\\)\|/).map((c) => c.trim().replaceAll('\\|', '|'));
    rows.push({ line: i + 1, cells });
  });
  return rows.slice(1); // the header
}

/** Per package: Map from "file › describe › it" to the test's status in the last run. */
const results = new Map();
function statusesOf(pkg) {
  if (results.has(pkg)) return results.get(pkg);
  const file = join(root, 'packages', pkg, 'test-results.json');
  const statuses = new Map();
  if (existsSync(file)) {
    for (const suite of JSON.parse(readFileSync(file, 'utf8')).testResults) {
      const path = relative(join(root, 'packages', pkg), suite.name);
      for (const t of suite.assertionResults) statuses.set([path, ...t.ancestorTitles, t.title].join(SEP), t.status);
    }
  }
  results.set(pkg, existsSync(file) ? statuses : undefined);
  return results.get(pkg);
}

const claims = tableRows(readFileSync(join(root, 'CLAIMS.md'), 'utf8'));
const problems = [];
const untested = [];
let checked = 0;
for (const { line, cells } of claims) {
  if (cells.length !== 4) {
    problems.push(`CLAIMS.md:${line}: expected 4 cells (seed, claim, package, test), found ${cells.length}`);
    continue;
  }
  const [seed, claim, pkg, test] = cells;
  if (/^(not checkable|none yet):/i.test(test)) {
    untested.push(`CLAIMS.md:${line}: ${seed}: ${claim} — ${test}`);
    continue;
  }
  const name = test.replace(/^`([^`]+)`/, '$1'); // the file may be in backticks
  const statuses = statusesOf(pkg);
  if (!statuses) {
    problems.push(`CLAIMS.md:${line}: no test results for package '${pkg}' (packages/${pkg}/test-results.json); run pnpm test first`);
    continue;
  }
  const status = statuses.get(name);
  if (status === undefined) {
    const file = name.split(SEP)[0];
    const near = [...statuses.keys()].filter((k) => k.startsWith(file + SEP)).map((k) => `      ${k}`);
    problems.push(`CLAIMS.md:${line}: no test named\n      ${name}\n    in ${pkg}; its tests in ${file}:\n${near.join('\n') || '      (none: no such file ran)'}`);
  } else if (status !== 'passed') problems.push(`CLAIMS.md:${line}: ${name} (${pkg}) did not pass in the last run: ${status}`);
  else checked++;
}

if (untested.length) console.log(`Claims with no test (${untested.length}), each with its reason:\n  ${untested.join('\n  ')}`);
if (problems.length) {
  console.error(`check-claims: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-claims: ${checked} claims checked by a passing test; ${untested.length} without one (listed above with the reason).`);
