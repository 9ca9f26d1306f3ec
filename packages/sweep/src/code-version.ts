import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { OptionError } from '@tikhonov/core';

// src/ and dist/ both sit one level below the package root
const sweepVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** A module path or URL as a file: URL string. */
export function moduleUrl(module: string | URL, option = 'module'): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== 'string' || module.length === 0) throw new OptionError('search', option, module, 'must be a path or file: URL of the trial module');
  return /^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module) ? module : pathToFileURL(module).href;
}

/**
 * The code version of a trial module: SHA-256 over its source and this
 * package's version, so a worker that would run other code than the driver
 * meant (an edited module, another release) refuses the trial.
 */
export function codeVersionOf(url: string): string {
  let source: Buffer;
  try {
    source = readFileSync(fileURLToPath(url));
  } catch (error) {
    throw new OptionError('search', 'module', url, `must be a readable file (${(error as Error).message})`);
  }
  return createHash('sha256').update(`@tikhonov/sweep@${sweepVersion}\n`).update(source).digest('hex').slice(0, 16);
}

/** A stable hash of a JSON value (object keys sorted): the trial id. */
export function hashOf(value: unknown): string {
  const canonical = (v: unknown): unknown => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])])) : Array.isArray(v) ? v.map(canonical) : v);
  return createHash('sha256').update(JSON.stringify(canonical(value))).digest('hex').slice(0, 16);
}
