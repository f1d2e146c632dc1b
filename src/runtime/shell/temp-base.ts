import { accessSync, constants, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** `f_type` of a tmpfs file system (linux/magic.h). */
const TMPFS_MAGIC = 0x01021994;

/** Below this much free space a RAM-backed dir is not chosen: a task's files could fill it. */
export const MIN_FREE_BYTES = 1024 ** 3;

export interface TempBaseOptions {
  /** `runtime.shell.tempdir`: used as given when set. */
  configured: string;
  /** The process environment: a `TMPDIR` set there is the user's choice and is kept. */
  env: NodeJS.ProcessEnv;
  /** The RAM-backed candidate; a parameter so tests can point it elsewhere. */
  shm?: string;
}

/**
 * Where shell tasks get their temporary work dirs, when `runtime.shell.tempdir` is unset.
 *
 * Why not always the system temp dir: every task creates a dir and three files there and removes
 * them afterwards. On a disk file system (ext4 here) that is about 0.4 ms of system time per task
 * in the spawner, half of it in `rmdir`; on a tmpfs it is about 0.1 ms. With trivial tasks that is
 * a tenth of what a task costs the machine. So `/dev/shm` is taken when it is a tmpfs this process
 * may write with at least 1 GiB free (a container's default 64 MiB `/dev/shm` is not), and
 * `TMPDIR` is unset (many distributions mount `/tmp` as a tmpfs anyway). A work dir is private
 * (mode 0700, random name, created exclusively) wherever it lives, and removed after the task.
 */
export function chooseTempBase(options: TempBaseOptions): string {
  if (options.configured) return options.configured;
  // As os.tmpdir() reads it, but from the environment given.
  if (options.env.TMPDIR) return options.env.TMPDIR.replace(/(.)\/+$/, '$1');
  const shm = options.shm ?? '/dev/shm';
  return isRoomyTmpfs(shm) ? shm : tmpdir();
}

function isRoomyTmpfs(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    const fs = statfsSync(dir);
    return fs.type === TMPFS_MAGIC && fs.bavail * fs.bsize >= MIN_FREE_BYTES;
  } catch {
    return false;
  }
}
