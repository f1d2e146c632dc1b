/**
 * Bundle budgets (UI.md §1.5): the JavaScript a first visit loads is at most 100 KB gzipped,
 * and every lazily loaded chunk (the editor's CodeMirror included) at most 150 KB gzipped.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { preflight } from './browser.js';

const DIST = fileURLToPath(new URL('../../ui/dist/', import.meta.url));
const KB = 1024;

function gzipped(file: string): number {
  return gzipSync(readFileSync(join(DIST, file)), { level: 9 }).length;
}

describe('the built web UI', () => {
  preflight();
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  const initial = [
    ...html.matchAll(
      /<script[^>]+src="\/ui\/([^"]+\.js)"|<link[^>]+rel="modulepreload"[^>]+href="\/ui\/([^"]+\.js)"/g,
    ),
  ].map((m) => m[1] ?? m[2]!);
  const all = readdirSync(join(DIST, 'assets'))
    .filter((f) => f.endsWith('.js'))
    .map((f) => `assets/${f}`);

  it('loads at most 100 KB of gzipped JavaScript on a first visit', () => {
    expect(initial.length).toBeGreaterThan(0);
    const total = initial.reduce((sum, file) => sum + gzipped(file), 0);
    process.stdout.write(
      `initial JavaScript: ${(total / KB).toFixed(1)} KB gzipped (${initial.join(', ')})\n`,
    );
    expect(total).toBeLessThanOrEqual(100 * KB);
  });

  it('keeps every lazily loaded chunk at most 150 KB gzipped', () => {
    const lazy = all.filter((file) => !initial.includes(file));
    expect(lazy.length).toBeGreaterThan(5);
    const sizes = Object.fromEntries(lazy.map((file) => [file, gzipped(file)]));
    const largest = Math.max(...Object.values(sizes));
    process.stdout.write(`largest lazy chunk: ${(largest / KB).toFixed(1)} KB gzipped\n`);
    for (const [file, size] of Object.entries(sizes))
      expect({ file, kb: Math.ceil(size / KB) }).toEqual({
        file,
        kb: expect.toSatisfy((kb: number) => kb <= 150),
      });
  });

  it('references nothing outside its own origin', () => {
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    expect(html).not.toMatch(/fonts\.(googleapis|gstatic)|cdn\./);
  });
});
