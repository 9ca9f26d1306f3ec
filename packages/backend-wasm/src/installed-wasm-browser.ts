// '#installed-wasm' under the browser condition: no file system to look in (and no Node built-ins in a bundle).

/** In a browser the page says where it serves the binaries: `useWasmBackend({ paths })`. */
export async function installedWasmDirectory(): Promise<string> {
  throw new Error("useWasmBackend: in a browser give option 'paths' (where the page serves tfjs-backend-wasm's .wasm files, or a bundler's asset URLs); there is no installed package to look in");
}
