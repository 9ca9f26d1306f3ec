// '#installed-wasm' in Node: the .wasm files inside the installed tfjs-backend-wasm package.
import { WASM_BINARIES } from './wasm-files.js';

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
