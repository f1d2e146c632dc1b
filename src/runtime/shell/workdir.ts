import { randomBytes } from 'node:crypto';
import { chownSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';

/**
 * The temporary directory one shell process runs in: `stdout` (`$TORK_OUTPUT`), `progress`
 * (`$TORK_PROGRESS`), `entrypoint` (the script) and the task's `files`.
 */

/** Names the runtime writes itself; a task file with one of them would clobber the contract files. */
const RESERVED_NAMES = ['stdout', 'progress', 'entrypoint'];

export interface Workdir {
  dir: string;
  outputPath: string;
  progressPath: string;
  entrypointPath: string;
  /** Top-level names written into the dir, removed one by one before the dir itself. */
  names: string[];
}

/**
 * A work dir for the spawner to create, run in, read and remove (spawner-program.ts), described
 * here so that the engine knows its paths without touching the file system.
 */
export interface PlannedWorkdir extends Workdir {
  /** The script, written to `entrypoint`. */
  run: string;
  files?: Record<string, string>;
  /** Read `stdout` and `progress` after the exit (the main step's results). */
  readResults: boolean;
}

/** The alphabet of `mkdtemp` suffixes. */
const SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * The paths of a work dir under `base` with a random name, as `createWorkdir` would make it,
 * without creating anything: the spawner creates it (a name already taken fails the run). File
 * names must have passed `checkFileName`.
 */
export function planWorkdir(
  base: string,
  run: string,
  files: Record<string, string> | undefined,
  readResults: boolean,
): PlannedWorkdir {
  const suffix = Array.from(randomBytes(8), (b) => SUFFIX_CHARS[b % SUFFIX_CHARS.length]).join('');
  const dir = join(base, `drover-${suffix}`);
  const names = [...RESERVED_NAMES];
  for (const name of Object.keys(files ?? {})) {
    const clean = normalize(name);
    if (!clean.includes(sep)) names.push(clean);
  }
  return {
    dir,
    outputPath: join(dir, 'stdout'),
    progressPath: join(dir, 'progress'),
    entrypointPath: join(dir, 'entrypoint'),
    names,
    run,
    files,
    readResults,
  };
}

export interface WorkdirOwner {
  uid?: number;
  gid?: number;
}

/**
 * Why a `files` name cannot be written inside the work dir, or `undefined` when it can. Input
 * validation rejects these too; the runtime checks again because messages can come from
 * anywhere that can publish to a task queue.
 */
export function checkFileName(name: string): string | undefined {
  const shown = JSON.stringify(name);
  if (name === '' || name.includes('\0')) return `invalid file name ${shown}`;
  if (isAbsolute(name)) return `invalid file name ${shown}: must be a relative path`;
  const clean = normalize(name);
  if (clean === '..' || clean.startsWith(`..${sep}`) || clean === '.') {
    return `invalid file name ${shown}: must stay inside the working directory`;
  }
  if (RESERVED_NAMES.includes(clean)) return `invalid file name ${shown}: the name is reserved`;
  return undefined;
}

/**
 * Create a fresh work dir under `base`. File names must have passed `checkFileName`.
 *
 * Synchronous on purpose. The entrypoint must be written and closed on the thread that forks:
 * a spawn running while a pool thread holds it open for writing copies that descriptor into
 * the new child, and an exec of the script in that instant fails with "Text file busy". The
 * handful of other calls costs less blocking than the promise round trips would cost CPU.
 *
 * When the task runs as another user, the dir and the two files it writes are handed to that
 * user (the dir is created 0700, and our umask may strip the files' write bits for others).
 */
export function createWorkdir(
  base: string,
  run: string,
  files: Record<string, string> | undefined,
  owner: WorkdirOwner,
): Workdir {
  const dir = mkdtempSync(join(base, 'drover-'));
  const workdir: Workdir = {
    dir,
    outputPath: join(dir, 'stdout'),
    progressPath: join(dir, 'progress'),
    entrypointPath: join(dir, 'entrypoint'),
    names: [...RESERVED_NAMES],
  };
  try {
    closeSync(openSync(workdir.outputPath, 'w', 0o606));
    closeSync(openSync(workdir.progressPath, 'w', 0o606));
    writeFileSync(workdir.entrypointPath, run, { mode: 0o555 });
    for (const [name, contents] of Object.entries(files ?? {})) writeTaskFile(workdir, name, contents);
    if (owner.uid !== undefined || owner.gid !== undefined) {
      for (const path of [dir, workdir.outputPath, workdir.progressPath])
        chownSync(path, owner.uid ?? -1, owner.gid ?? -1);
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return workdir;
}

function writeTaskFile(workdir: Workdir, name: string, contents: string): void {
  const clean = normalize(name);
  const path = join(workdir.dir, clean);
  if (clean.includes(sep)) mkdirSync(dirname(path), { recursive: true });
  else workdir.names.push(clean);
  writeFileSync(path, contents, { mode: 0o444 });
}

/** The content of a file the task may have written (not opened when empty); undefined when it was deleted. */
export async function readIfWritten(path: string): Promise<string | undefined> {
  try {
    if ((await stat(path)).size === 0) return '';
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Remove a work dir and everything the task left in it. */
export async function removeWorkdir(workdir: Workdir): Promise<void> {
  // Most tasks leave only what we wrote: unlinking it by name is far cheaper than a recursive walk.
  try {
    await Promise.all(workdir.names.map((name) => unlink(join(workdir.dir, name))));
    await rmdir(workdir.dir);
  } catch {
    await rm(workdir.dir, { recursive: true, force: true, maxRetries: 2 });
  }
}
