// Root workspace: `pnpm vitest` from the root runs every package's project.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { projects: ['packages/*'] } });
