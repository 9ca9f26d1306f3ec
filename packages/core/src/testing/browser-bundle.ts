/**
 * Bundles `code` for the browser as an application's bundler would (esbuild:
 * the `browser` export condition, ESM, everything bundled but `external`),
 * resolving imports from `resolveDir`, and returns the bundle's text, so a
 * package's test can check that no Node module got in. Throws with esbuild's
 * messages when it cannot bundle. esbuild is loaded on call: it must be
 * installed (a dev dependency of the package whose tests call this).
 */
export async function browserBundle(code: string, resolveDir: string, options: { external?: string[] } = {}): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    stdin: { contents: code, resolveDir, loader: 'js' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    external: options.external,
    logLevel: 'silent',
  });
  if (result.errors.length > 0) throw new Error(`browserBundle: ${result.errors.map((e) => e.text).join('; ')}`);
  return result.outputFiles[0]!.text;
}
