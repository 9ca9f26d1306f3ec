// Written into dist/ by scripts/embed-data.mjs at build time.
/** The data/ files' gzip bytes as base64, by file name. */
export declare const EMBEDDED: Readonly<Record<string, string>>;
