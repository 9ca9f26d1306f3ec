// Only for running from TypeScript source (this repo's tests, benches and
// examples): registers tsx in the worker thread, then loads the TypeScript entry.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./thread-worker.ts', import.meta.url).href);
