// '#embedded-text' under the browser condition: no file system, so the
// embedded files come from a module the build generates (their gzip bytes as
// base64, scripts/embed-data.mjs) and are gunzipped by fflate.
import { gunzipSync } from 'fflate';
import { EMBEDDED } from './embedded-data.js';

/** The text of an embedded (gzipped) file of data/. */
export function embeddedText(file: string): string {
  const base64 = EMBEDDED[file];
  if (base64 === undefined) throw new Error(`@tikhonov/datasets: no embedded file '${file}' in the browser build (it has ${Object.keys(EMBEDDED).join(', ')})`);
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(gunzipSync(bytes));
}
