// '#embedded-text' in Node: the embedded files read from this package's data/ folder.
import { embedded, readMaybeGzip } from './files.js';

/** The text of an embedded (gzipped) file of data/. */
export function embeddedText(file: string): string {
  return readMaybeGzip(embedded(file)).toString('utf8');
}
