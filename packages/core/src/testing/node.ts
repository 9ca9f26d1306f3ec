// `@tikhonov/core/testing/node`: what the packages' browser tests share —
// where Debian's chromium is, why it cannot run, and a static site on
// 127.0.0.1 for it to open. Node only (node:fs, node:http), so it is an entry
// of its own: `@tikhonov/core/testing` still bundles for a page.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';

/** A file a {@link serveLocally} site answers with. */
export interface SiteFile {
  /** The content-type header. */
  type: string;
  body: string | Uint8Array;
}

/** A site {@link serveLocally} started: its base URL (ending in `/`) and how to stop it. */
export interface LocalSite {
  url: string;
  close(): Promise<void>;
}

/** Debian's chromium (`apt-get install chromium`), or the `CHROMIUM_PATH` environment variable's path. */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

/** Why a browser test cannot run here (no chromium at {@link chromiumPath}), or undefined when it can. */
export function chromiumMissing(): string | undefined {
  const path = chromiumPath();
  return existsSync(path) ? undefined : `no chromium at ${path} (apt-get install chromium; .ci/run installs it)`;
}

/**
 * Serves files on 127.0.0.1 at a free port: `files` maps a request's
 * pathname to its file, or to undefined for a 404. `headers` go on every
 * answer (COOP/COEP for cross-origin isolation, say).
 */
export async function serveLocally(files: (pathname: string) => SiteFile | undefined, headers: Record<string, string> = {}): Promise<LocalSite> {
  const server = createServer((request, response) => {
    const file = files(decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname));
    if (!file) response.writeHead(404).end();
    else response.writeHead(200, { 'content-type': file.type, ...headers }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      // a browser's keep-alive connections would hold close() open
      server.closeAllConnections();
    });
  return { url: `http://127.0.0.1:${port}/`, close };
}
