import { defineConfig } from 'vite';

// Relative asset URLs, so the built page works from any directory a server puts it in;
// the worker is an ES module (it imports the training code).
export default defineConfig({
  base: './',
  worker: { format: 'es' },
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true },
});
