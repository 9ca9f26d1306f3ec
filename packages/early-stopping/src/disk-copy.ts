// '#disk-copy' in Node: θ* as a tfjs weights file in the plugin's `dir`.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Writes best.bin and best.json into `dir`, each through a temporary file renamed over it (a crash never leaves half a copy). */
export async function writeCopy(dir: string, weights: Uint8Array, manifest: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'best.bin.tmp'), weights);
  await writeFile(join(dir, 'best.json.tmp'), manifest);
  await rename(join(dir, 'best.bin.tmp'), join(dir, 'best.bin'));
  await rename(join(dir, 'best.json.tmp'), join(dir, 'best.json'));
}

/** Reads back what {@link writeCopy} wrote. */
export async function readCopy(dir: string): Promise<{ manifest: string; bytes: Uint8Array }> {
  return { manifest: await readFile(join(dir, 'best.json'), 'utf8'), bytes: await readFile(join(dir, 'best.bin')) };
}
