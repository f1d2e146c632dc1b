import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Runs once before all test files. The CLI and end-to-end tests spawn `bin/drover.js`, which
 * needs the compiled `dist/`: `npm test` builds first; a bare `vitest` run gets a reminder.
 */
export default function setup(): void {
  const entry = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
  if (!existsSync(entry)) {
    process.stderr.write('note: dist/ is missing; CLI and e2e tests need `npm run build` first\n');
  }
}
