import { defineConfig } from 'vite';

/**
 * The web UI, built into `ui/dist/` and served by the API under `/ui/` (src/api/ui/plugin.ts).
 * Plain JSX (React's automatic runtime through esbuild/oxc), no Vite plugin needed.
 */
const root = new URL('.', import.meta.url).pathname;

export default defineConfig({
  root,
  base: '/ui/',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: `${root}dist`,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // The budgets are checked by test/ui/budget.test.ts on the gzipped sizes.
    chunkSizeWarningLimit: 600,
    modulePreload: { polyfill: false },
  },
  oxc: { jsx: { runtime: 'automatic' } },
});
