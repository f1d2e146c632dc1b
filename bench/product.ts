import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './root.js';

/**
 * Drover's own modules, loaded from the product build (`dist/`, made by `npm run build`) rather
 * than from the benchmark's build, so the benchmark runs exactly the code `drover` runs. The
 * types come from the sources.
 */
export function fromProduct<T>(path: string): Promise<T> {
  return import(pathToFileURL(join(ROOT, 'dist', path)).href) as Promise<T>;
}
