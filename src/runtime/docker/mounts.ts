import { randomUUID } from 'node:crypto';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type Docker from 'dockerode';
import { delay } from '../../async.js';
import type { Mount } from '../../model/task.js';
import { TaskFailure } from '../runtime.js';
import { engineFailure, type EngineContext } from './container.js';
import { parseMemory } from './limits.js';

/**
 * A task's `mounts`, made real once for the whole task so `pre`, the task and `post` share
 * them: volumes are created (and removed at the end whatever happens), bind sources are
 * checked against the allow-list, tmpfs mounts are checked.
 */

export interface BindPolicy {
  /** Whether `bind` mounts are allowed at all. @default false */
  allowed: boolean;
  /** Allowed bind sources (compared without case); empty means any. @default [] */
  sources: string[];
}

/** The Engine API's `HostConfig.Mounts` item, described here so no library type leaves this folder. */
export interface EngineMount {
  Type: 'volume' | 'bind' | 'tmpfs';
  /** Volume name or host path; empty for tmpfs. */
  Source: string;
  Target: string;
  /** `SizeBytes` 0 means no limit. */
  TmpfsOptions?: { SizeBytes: number; Mode: number };
}

export interface PreparedMounts {
  mounts: EngineMount[];
  /** Remove the volumes created for the task. Never throws; returns what could not be removed. */
  release(): Promise<string[]>;
}

/** Check every mount without touching the engine, so a bad one fails the task before anything exists. */
export function checkMounts(mounts: readonly Mount[], policy: BindPolicy): void {
  for (const mount of mounts) checkMount(mount, policy);
}

function checkMount(mount: Mount, policy: BindPolicy): void {
  const { type, source, target } = mount;
  if (!target) throw new TaskFailure(`${type || 'a'} mount needs a target`);
  if (!isAbsolute(target)) throw new TaskFailure(`mount target must be an absolute path: ${target}`);
  if (target.replace(/\/+$/, '') === '/tork')
    throw new TaskFailure('mount target /tork is reserved for the runtime');
  switch (type) {
    case 'volume':
      if (source) throw new TaskFailure(`volume mount cannot have a source: ${source}`);
      return;
    case 'tmpfs':
      if (source) throw new TaskFailure(`tmpfs mount cannot have a source: ${source}`);
      if (mount.opts?.size !== undefined) parseMemory(mount.opts.size);
      return;
    case 'bind':
      if (!policy.allowed) throw new TaskFailure('bind mounts are not allowed');
      if (!source) throw new TaskFailure('bind mount needs a source');
      if (!isAbsolute(source)) throw new TaskFailure(`bind mount source must be an absolute path: ${source}`);
      if (
        policy.sources.length > 0 &&
        !policy.sources.some((s) => s.toLowerCase() === source.toLowerCase())
      ) {
        throw new TaskFailure(`src bind mount is not allowed: ${source}`);
      }
      return;
    default:
      throw new TaskFailure(`unknown mount type: ${type}`);
  }
}

/** Create what the (already checked) mounts need. On failure, what was created is removed. */
export async function prepareMounts(
  ctx: EngineContext,
  mounts: readonly Mount[],
  labels: Record<string, string>,
): Promise<PreparedMounts> {
  const volumes: string[] = [];
  const release = async (): Promise<string[]> => {
    const left: string[] = [];
    for (const name of volumes.splice(0)) {
      if (!(await removeVolume(ctx.docker, name))) left.push(name);
    }
    return left;
  };
  const engineMounts: EngineMount[] = [];
  try {
    for (const mount of mounts) {
      const target = mount.target!;
      if (mount.type === 'volume') {
        const name = `drover-${randomUUID()}`;
        try {
          await ctx.docker.createVolume({ Name: name, DriverOpts: { ...mount.opts }, Labels: labels });
        } catch (err) {
          throw engineFailure(ctx, `creating a volume for ${target}`, err);
        }
        volumes.push(name);
        engineMounts.push({ Type: 'volume', Source: name, Target: target });
      } else if (mount.type === 'bind') {
        await ensureDirectory(mount.source!);
        engineMounts.push({ Type: 'bind', Source: mount.source!, Target: target });
      } else {
        engineMounts.push({ Type: 'tmpfs', Source: '', Target: target, ...tmpfsOptions(mount.opts) });
      }
    }
  } catch (err) {
    await release();
    throw err;
  }
  return { mounts: engineMounts, release };
}

/** `opts.size` (e.g. `64m`) and `opts.mode` (octal, e.g. `1777`) of a tmpfs mount. */
function tmpfsOptions(opts: Record<string, string> | undefined): Pick<EngineMount, 'TmpfsOptions'> {
  if (opts?.size === undefined && opts?.mode === undefined) return {};
  const size = opts.size === undefined ? 0 : parseMemory(opts.size);
  const mode = opts.mode !== undefined && /^[0-7]{3,4}$/.test(opts.mode) ? parseInt(opts.mode, 8) : 0o1777;
  return { TmpfsOptions: { SizeBytes: size, Mode: mode } };
}

/** Tork creates a missing bind source (mode 0707) so a task can write to it. */
async function ensureDirectory(path: string): Promise<void> {
  try {
    await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new TaskFailure(`bind mount source ${path}: ${(err as Error).message}`);
    }
    try {
      await mkdir(path, { recursive: true });
      await chmod(path, 0o707); // exactly: the umask would narrow mkdir's mode
    } catch (cause) {
      throw new TaskFailure(`could not create bind mount source ${path}: ${(cause as Error).message}`);
    }
  }
}

/**
 * Remove a volume, retrying while the engine still counts a just-removed container as using it.
 * True when it is gone.
 */
export async function removeVolume(docker: Docker, name: string): Promise<boolean> {
  for (let attempt = 0, waitMs = 100; attempt < 5; attempt++, waitMs *= 2) {
    try {
      await docker.getVolume(name).remove({ force: true });
      return true;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return true;
      if (attempt === 4) return false;
      await delay(waitMs);
    }
  }
  return false;
}
