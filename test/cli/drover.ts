/** Run the real `drover` command (bin/drover.js) as a child process. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { waitFor } from '../../src/async.js';

export const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin', 'drover.js');
const DIST = join(ROOT, 'dist');
const ENTRY = join(DIST, 'cli', 'main.js');
const BUILD_INFO = join(DIST, '.tsbuildinfo');
const LOCK = join(DIST, '.build-lock');

/**
 * Compile `src/` to `dist/` when it changed since the last build. Other modules may not
 * type-check mid-development; tsc still emits, so its exit status is not the test's concern,
 * only that the entry point exists. A lock directory keeps two test files from building at once.
 */
export function ensureBuilt(): void {
  mkdirSync(DIST, { recursive: true });
  acquireLock();
  try {
    if (isBuildStale()) {
      spawnSync(
        process.execPath,
        [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
        {
          cwd: ROOT,
          stdio: 'ignore',
        },
      );
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
  if (!existsSync(ENTRY)) throw new Error('could not build dist/cli/main.js: run `npm run build` to see why');
}

function isBuildStale(): boolean {
  if (!existsSync(ENTRY) || !existsSync(BUILD_INFO)) return true;
  return newestMtime(join(ROOT, 'src')) > statSync(BUILD_INFO).mtimeMs;
}

function acquireLock(): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      mkdirSync(LOCK);
      return;
    } catch {
      // A lock left by a killed run is older than any real build.
      const lock = statSync(LOCK, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > 120_000) rmSync(LOCK, { recursive: true, force: true });
      Atomics.wait(pause, 0, 0, 100);
    }
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export interface RunOptions {
  cwd: string;
  /** Variables on top of a clean environment (PATH and HOME only). */
  env?: NodeJS.ProcessEnv;
  home: string;
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Start `drover <args>`; its output accumulates on the returned handle. */
export function startDrover(
  args: string[],
  options: RunOptions,
): { child: ChildProcess; output: Finished; exited: Promise<Finished> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, HOME: options.home, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: Finished = { code: null, stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const exited = new Promise<Finished>((resolveExit, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      output.code = code;
      resolveExit(output);
    });
  });
  return { child, output, exited };
}

/** Run `drover <args>` to completion. */
export function runDrover(args: string[], options: RunOptions): Promise<Finished> {
  return startDrover(args, options).exited;
}

/** Wait until the child's stderr contains `text`; fails at once, with its output, if it exits first. */
export async function waitForStderr(
  handle: ReturnType<typeof startDrover>,
  text: string,
  timeoutMs = 20_000,
): Promise<void> {
  const { child, output } = handle;
  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const outcome = await waitFor(
    () => (output.stderr.includes(text) ? 'logged' : hasExited() ? 'exited' : undefined),
    { timeoutMs, message: `stderr to contain "${text}"` },
  );
  if (outcome === 'exited') {
    throw new Error(
      `drover exited (${child.exitCode ?? child.signalCode}) before logging "${text}":\n${output.stderr}`,
    );
  }
}
