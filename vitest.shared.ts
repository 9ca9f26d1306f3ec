// Shared vitest settings for every package. Tests import packages by name; the
// "@tikhonov/source" export condition points those names at the TypeScript
// sources, so a test run needs no build of the package under test.
import { defineConfig } from 'vitest/config';

export const sharedConfig = defineConfig({
  resolve: { conditions: ['@tikhonov/source'] },
  ssr: { resolve: { conditions: ['@tikhonov/source'], externalConditions: ['@tikhonov/source'] } },
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    setupFiles: [new URL('./vitest.setup.ts', import.meta.url).pathname],
    pool: 'forks',
    // test-results.json (per package) is what scripts/check-claims.mjs reads to see
    // that every test named in CLAIMS.md exists and passed in this run.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
  },
});
