// Only for running from TypeScript source (this repo's tests and benches):
// registers tsx in the worker thread, then loads the TypeScript worker entry.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./member-worker.ts', import.meta.url).href);
