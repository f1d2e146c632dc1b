import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest parent with Drover's package.json (works from bench/ and its build). */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'drover') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('bench: cannot find the drover package root');
    dir = parent;
  }
}

export const ROOT = findRoot();
