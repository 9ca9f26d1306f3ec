// Where the three .wasm binaries are. In Node they ship inside the installed
// @tensorflow/tfjs-backend-wasm package (found through Node's resolver, so any
// working directory and a packed install work, and nothing is fetched); in a
// browser the page or the bundler has to say where it serves them.

/** The binaries tfjs-backend-wasm may load, by the name it asks for. */
export const WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;

/** A URL/path prefix ending in '/', or one URL per binary (a bundler's asset URLs). */
export type WasmPaths = string | Record<(typeof WASM_BINARIES)[number], string>;

/** True in Node.js (not in browsers or workers). */
export function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/**
 * The directory (with trailing '/') holding the installed package's .wasm
 * files, after checking all three exist. Node only.
 */
export async function installedWasmDirectory(): Promise<string> {
  const [{ createRequire }, { dirname, join }, { existsSync }] = await Promise.all([import('node:module'), import('node:path'), import('node:fs')]);
  let main: string;
  try {
    main = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  } catch (error) {
    throw new Error(`useWasmBackend: @tensorflow/tfjs-backend-wasm is not installed where @tikhonov/backend-wasm can resolve it (${(error as Error).message})`);
  }
  const directory = dirname(main);
  const missing = WASM_BINARIES.filter((name) => !existsSync(join(directory, name)));
  if (missing.length > 0) throw new Error(`useWasmBackend: ${missing.join(', ')} missing from ${directory}; reinstall @tensorflow/tfjs-backend-wasm`);
  return directory + '/';
}
