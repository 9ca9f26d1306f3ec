/**
 * @packageDocumentation
 * Node-only part of the report package: writing a report to a file.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { GENERATOR } from './page.js';

/** Reads the start of a file: enough to find a page's generator tag. */
function head(path: string, bytes = 1024): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const n = readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a page made by {@link report} to `path`. An existing file there is
 * replaced only if it is itself a Tikhonov report (its generator tag says
 * so): anything else — the user's own notes, another tool's page — is left
 * as it was and the write is refused. The page goes to a temporary sibling
 * first, is flushed, and is renamed over the target, so a crash leaves either
 * the old file or the new one, never half of one.
 */
export function writeReport(path: string, html: string): void {
  if (!html.includes(`<meta name="generator" content="${GENERATOR}">`)) throw new TypeError(`writeReport: the content is not a page made by report() (no generator tag '${GENERATOR}'); write other files yourself`);
  if (existsSync(path) && !head(path).includes(`content="${GENERATOR}"`)) {
    throw new Error(`writeReport: '${path}' exists and is not a Tikhonov report; it is left unchanged — choose another path or move the file`);
  }
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(temporary, 'wx');
    try {
      writeSync(fd, html);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
