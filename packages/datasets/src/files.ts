import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** Reads a file, gunzipping it when it starts with the gzip magic bytes (Node's zlib). */
export function readMaybeGzip(path: string | URL): Buffer {
  const raw = readFileSync(path);
  return raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
}

/** Location of a file embedded in this package's data/ folder (works from src/ and dist/). */
export function embedded(file: string): URL {
  return new URL(`../data/${file}`, import.meta.url);
}
