// Helpers shared by the examples: a backend, an output folder, a table printer,
// the norm max-norm caps.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Trainer } from '@tikhonov/core';
import { unitNorms } from '@tikhonov/norm-penalties';

/** Selects tfjs's cpu backend (the examples' default; backend packages make it faster). */
export async function useCpu(): Promise<void> {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  await tf.ready();
}

/** The path of a file under examples/out/ (the folder made if missing). */
export function outPath(name: string): string {
  const dir = fileURLToPath(new URL('./out/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/** Writes a file under examples/out/ and returns its path. */
export function writeOut(name: string, content: string): string {
  const path = outPath(name);
  writeFileSync(path, content);
  return path;
}

/** Prints rows as an aligned text table. */
export function printTable(header: string[], rows: Array<Array<string | number>>): void {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? c.toFixed(4) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  cells.forEach((r, k) => {
    console.log(r.map((c, i) => String(c).padStart(widths[i]!)).join('  '));
    if (k === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  });
}

/** The largest norm of any unit's incoming weights over the trainer's weight params: what `maxNorm({ c })` caps at c. */
export function largestUnitNorm(trainer: Trainer): number {
  return Math.max(...trainer.params.select({ roles: ['weight'] }).map((p) => tf.tidy(() => tf.max(unitNorms(p)).dataSync()[0]!)));
}

/**
 * Starts the fastest backend that starts here — native (OpenBLAS addon),
 * then wasm (SIMD), then tfjs's cpu — and returns its name; prints why a
 * faster one did not start.
 */
export async function useFastestBackend(): Promise<string> {
  tf.env().set('PROD', true);
  const starters: Array<[string, () => Promise<unknown>]> = [
    ['native', async () => (await import('@tikhonov/backend-native')).useNativeBackend()],
    ['wasm', async () => (await import('@tikhonov/backend-wasm')).useWasmBackend()],
  ];
  for (const [name, start] of starters) {
    try {
      await start();
      return tf.getBackend();
    } catch (error) {
      console.log(`(${name} backend not available: ${(error as Error).message.split('\n')[0]})`);
    }
  }
  await useCpu();
  return tf.getBackend();
}
