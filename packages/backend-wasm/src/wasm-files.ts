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
