/**
 * @tikhonov/backend-wasm — tfjs-backend-wasm (XNNPACK, WASM SIMD) as a
 * training backend for Node and browsers: it finds the .wasm binaries, adds
 * the gradient kernels wasm lacks, and makes transposed matmuls fast.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { schemas, validateOptions, z } from '@tikhonov/core';
import { WASM } from './kernels/compose.js';
import { ADDED_KERNELS, REPLACED_KERNELS, WRAPPED_KERNELS } from './register.js';
import { installedWasmDirectory } from '#installed-wasm';
import { isNode, WASM_BINARIES, type WasmPaths } from './wasm-files.js';

export { ADDED_KERNELS, REPLACED_KERNELS, WRAPPED_KERNELS } from './register.js';
export { WASM_BINARIES, type WasmPaths } from './wasm-files.js';
export { WASM } from './kernels/compose.js';

/** Options of {@link useWasmBackend}. */
export interface WasmBackendOptions {
  /**
   * Where the .wasm binaries are served: a prefix ending in '/' or one URL per
   * binary. Node: default the installed package's directory. Browsers:
   * default tfjs's own guess (next to the script), which bundlers often break.
   */
  paths?: WasmPaths;
  /** Require (true) or refuse (false) SIMD. Default: use it when the runtime has it. */
  simd?: boolean;
  /**
   * XNNPACK threads. Browsers only, and only cross-origin isolated ones
   * (SharedArrayBuffer), at most half the logical cores the browser reports
   * (tfjs-backend-wasm's own cap); tfjs runs wasm single-threaded in Node.
   * A count that cannot run is an error, never silently fewer threads.
   * Default: tfjs's choice.
   */
  threads?: number;
}

/** What {@link useWasmBackend} started. */
export interface WasmBackendInfo {
  backend: string;
  simd: boolean;
  /** XNNPACK threads actually running (1 in Node). */
  threads: number;
  /** The binary loaded, or where it was looked for. */
  binary: string;
  /** Kernels this package added to wasm. */
  addedKernels: readonly string[];
  /** wasm kernels this package replaces (wrong results in tfjs 4.22). */
  replacedKernels: readonly string[];
  /** wasm kernels this package wraps. */
  wrappedKernels: readonly string[];
  /** Anything the caller should know (why threads are 1 in Node). */
  notes: string[];
}

const optionsSchema = z
  .object({
    paths: z.union([z.string().regex(/\/$/, 'a prefix must end with "/"'), z.object(Object.fromEntries(WASM_BINARIES.map((n) => [n, z.string().min(1)])) as Record<(typeof WASM_BINARIES)[number], z.ZodString>).strict()]).optional(),
    simd: z.boolean().optional(),
    threads: schemas.positiveInt.optional(),
  })
  .strict();

function initialized(): boolean {
  return (tf.engine() as unknown as { registry: Record<string, unknown> }).registry[WASM] !== undefined;
}

/**
 * Starts tfjs-backend-wasm and selects it. Throws — never falls back to
 * another backend — when it cannot start, when SIMD or threads are demanded
 * and unavailable, or when paths/threads are given after wasm already started
 * (they can only take effect before).
 */
export async function useWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackendInfo> {
  const o = validateOptions('useWasmBackend', optionsSchema, options);
  const node = isNode();
  const notes: string[] = [];
  if (node) notes.push('threads: tfjs-backend-wasm disables wasm threads in Node (WASM_HAS_MULTITHREAD_SUPPORT is false there), so XNNPACK runs on one thread');
  if (o.threads !== undefined && o.threads > 1 && node) {
    throw new Error(`useWasmBackend: threads = ${o.threads} is not available in Node: tfjs-backend-wasm runs single-threaded there. Allowed: 1 (or omit); threads need a cross-origin-isolated browser page`);
  }
  if (o.threads !== undefined && o.threads > 1 && !node) await checkBrowserThreads(o.threads);
  const simdAvailable = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  if (o.simd === true && !simdAvailable) throw new Error('useWasmBackend: simd = true but this runtime has no WebAssembly SIMD');
  const alreadyStarted = initialized();
  if (alreadyStarted && (o.paths !== undefined || o.threads !== undefined || o.simd !== undefined)) {
    throw new Error('useWasmBackend: the wasm backend has already started; paths, simd and threads only take effect before it starts (call useWasmBackend first)');
  }
  let binary = 'already started';
  if (!alreadyStarted) {
    const paths = o.paths ?? (node ? await installedWasmDirectory() : undefined);
    if (paths !== undefined) setWasmPaths(paths);
    if (o.simd === false) tf.env().set('WASM_HAS_SIMD_SUPPORT', false);
    if (o.threads !== undefined) setThreadsCount(o.threads);
    const name = o.simd === false || !simdAvailable ? WASM_BINARIES[0] : WASM_BINARIES[1];
    binary = typeof paths === 'string' ? paths + name : paths !== undefined ? paths[name] : `${name} next to the tfjs-backend-wasm script`;
  }
  const reason = await startBackend();
  if (reason !== undefined) throw new Error(`useWasmBackend: tfjs-backend-wasm did not start (looked for ${binary}): ${reason}`);
  if (o.threads !== undefined && getThreadsCount() !== o.threads) {
    throw new Error(`useWasmBackend: threads = ${o.threads} was asked but tfjs-backend-wasm started ${getThreadsCount()} XNNPACK thread(s)`);
  }
  return {
    backend: tf.getBackend(),
    simd: (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean,
    threads: getThreadsCount(),
    binary,
    addedKernels: Object.keys(ADDED_KERNELS),
    replacedKernels: Object.keys(REPLACED_KERNELS),
    wrappedKernels: WRAPPED_KERNELS,
    notes,
  };
}

/**
 * Refuses, before wasm starts, a thread count a browser page cannot have:
 * threads need a cross-origin-isolated page (SharedArrayBuffer), and
 * tfjs-backend-wasm 4.22 caps XNNPACK at half the logical cores it is told
 * about (navigator.hardwareConcurrency / 2, at least 1) — seen in headless
 * chromium: 2 threads asked on 2 cores ran 1, on 4 reported cores ran 2.
 */
async function checkBrowserThreads(threads: number): Promise<void> {
  if (!((await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) as boolean)) {
    throw new Error(`useWasmBackend: threads = ${threads} needs wasm threads, which this page does not have: serve it cross-origin isolated (Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp) so SharedArrayBuffer exists. Allowed here: 1`);
  }
  const cores = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1;
  const cap = Math.max(1, Math.floor(cores / 2));
  if (threads > cap) {
    throw new Error(`useWasmBackend: threads = ${threads} is more than tfjs-backend-wasm runs here: it caps XNNPACK at half the ${cores} logical cores the browser reports. Allowed: 1–${cap}`);
  }
}

/**
 * Selects wasm; on failure returns tfjs's reason. tfjs reports a failed
 * backend start only through console.warn and a `false`, so the warnings are
 * captured for the duration of the call to put the reason in our error.
 */
async function startBackend(): Promise<string | undefined> {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
  try {
    if (await tf.setBackend(WASM)) return undefined;
    return warnings.join('; ') || 'no reason given';
  } catch (error) {
    return (error as Error).message;
  } finally {
    console.warn = warn;
  }
}
