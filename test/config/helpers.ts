import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A scratch directory tree for one test: a working directory and a home directory. */
export interface Sandbox {
  root: string;
  cwd: string;
  home: string;
  /** Write a file under the sandbox root; returns its absolute path. */
  write(relativePath: string, text: string): string;
  remove(): void;
}

export function createSandbox(): Sandbox {
  const root = mkdtempSync(join(tmpdir(), 'drover-config-'));
  const cwd = join(root, 'work');
  const home = join(root, 'home');
  mkdirSync(cwd);
  mkdirSync(home);
  return {
    root,
    cwd,
    home,
    write(relativePath, text) {
      const path = join(root, relativePath);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      return path;
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
