import { posix } from 'node:path';
import type Docker from 'dockerode';
import type { Task } from '../../model/task.js';
import { TaskFailure } from '../runtime.js';
import type { DeviceRequest } from './limits.js';
import type { EngineMount } from './mounts.js';
import { createTar, type TarFile } from './tar.js';

/**
 * How one task step (pre, main, post or sidecar) becomes a container: the create request
 * (command line, environment, working directory, limits, networks) and the archive copied
 * into it before it starts (`/tork/stdout`, `/tork/progress`, `/tork/entrypoint`, `files`).
 */

export const TORK_OUTPUT = '/tork/stdout';
export const TORK_PROGRESS = '/tork/progress';
const TORK_ENTRYPOINT = '/tork/entrypoint';
const DEFAULT_FILES_DIR = '/tork/workdir';

/** Ulimit as the Engine API spells it. */
export interface Ulimit {
  Name: string;
  Soft: number;
  Hard: number;
}

/** Settings shared by every container of one task. */
export interface TaskContainerSettings {
  labels: Record<string, string>;
  mounts: EngineMount[];
  /** `none`, `host`, a network name, or undefined for the engine's default. */
  networkMode: string | undefined;
  /** Networks joined after create (the API attaches only one at create time). */
  extraNetworks: string[];
  privileged: boolean;
  ulimits: Ulimit[] | undefined;
  nanoCpus: number | undefined;
  memoryBytes: number | undefined;
  deviceRequests: DeviceRequest[] | undefined;
  /** `host:ip` lines for `/etc/hosts`, so sidecars resolve by name without a DNS plugin. */
  extraHosts: string[];
}

/** What differs per container. */
export interface ContainerExtras {
  /** Publish this container port on a random 127.0.0.1 port (sidecar probes). */
  probePort?: number;
}

/** The command line, as `jobs.md` §11.4 describes, except that a step with neither `run` nor `cmd` keeps the image's own command. */
export function commandLine(step: Task): { Entrypoint?: string[]; Cmd?: string[] } {
  const line: { Entrypoint?: string[]; Cmd?: string[] } = {};
  if (step.run !== undefined) {
    line.Entrypoint = step.entrypoint?.length ? step.entrypoint : ['sh', '-c'];
    line.Cmd = step.cmd?.length ? step.cmd : [TORK_ENTRYPOINT];
    return line;
  }
  if (step.entrypoint?.length) line.Entrypoint = step.entrypoint;
  if (step.cmd?.length) line.Cmd = step.cmd;
  return line;
}

/** The working directory: `workdir`, else `/tork/workdir` when there are files, else the image's. */
export function workingDir(step: Task): string | undefined {
  if (step.workdir) {
    if (!posix.isAbsolute(step.workdir))
      throw new TaskFailure(`workdir must be an absolute path: ${step.workdir}`);
    return posix.normalize(step.workdir);
  }
  return Object.keys(step.files ?? {}).length > 0 ? DEFAULT_FILES_DIR : undefined;
}

/** Why a `files` name cannot be written inside the working directory, or undefined when it can. */
export function checkFileName(name: string): string | undefined {
  const shown = JSON.stringify(name);
  if (name === '' || name.includes('\0')) return `invalid file name ${shown}`;
  if (posix.isAbsolute(name)) return `invalid file name ${shown}: must be a relative path`;
  const clean = posix.normalize(name);
  if (clean === '.' || clean === '..' || clean.startsWith('../')) {
    return `invalid file name ${shown}: must stay inside the working directory`;
  }
  return undefined;
}

/** The archive extracted at `/` before the container starts. */
export function stepArchive(step: Task): Buffer {
  const files: TarFile[] = [
    { path: TORK_OUTPUT.slice(1), mode: 0o222, content: '' },
    { path: TORK_PROGRESS.slice(1), mode: 0o222, content: '' },
  ];
  if (step.run !== undefined) files.push({ path: TORK_ENTRYPOINT.slice(1), mode: 0o555, content: step.run });
  const dir = workingDir(step);
  for (const [name, content] of Object.entries(step.files ?? {})) {
    files.push({ path: posix.join(dir!, posix.normalize(name)).slice(1), mode: 0o444, content });
  }
  return createTar(files);
}

export function containerSpec(
  step: Task,
  image: string,
  settings: TaskContainerSettings,
  extras: ContainerExtras = {},
): Docker.ContainerCreateOptions {
  const env = Object.entries(step.env ?? {})
    .filter(([key]) => key !== 'TORK_OUTPUT' && key !== 'TORK_PROGRESS')
    .map(([key, value]) => `${key}=${value}`);
  env.push(`TORK_OUTPUT=${TORK_OUTPUT}`, `TORK_PROGRESS=${TORK_PROGRESS}`);
  const alias = slug(step.name ?? '');
  const hostConfig: Docker.HostConfig = {
    Mounts: settings.mounts,
    Privileged: settings.privileged,
    ExtraHosts: settings.extraHosts,
  };
  if (settings.networkMode) hostConfig.NetworkMode = settings.networkMode;
  if (settings.ulimits) hostConfig.Ulimits = settings.ulimits;
  if (settings.nanoCpus) hostConfig.NanoCpus = settings.nanoCpus;
  if (settings.memoryBytes) hostConfig.Memory = settings.memoryBytes;
  if (settings.deviceRequests) hostConfig.DeviceRequests = settings.deviceRequests;
  const spec: Docker.ContainerCreateOptions = {
    Image: image,
    ...commandLine(step),
    Env: env,
    Labels: settings.labels,
    HostConfig: hostConfig,
  };
  const dir = workingDir(step);
  if (dir) spec.WorkingDir = dir;
  if (extras.probePort !== undefined) {
    const port = `${extras.probePort}/tcp`;
    spec.ExposedPorts = { [port]: {} };
    hostConfig.PortBindings = { [port]: [{ HostIp: '127.0.0.1', HostPort: '' }] };
  }
  const mode = settings.networkMode;
  if (mode && mode !== 'none' && mode !== 'host' && alias) {
    spec.NetworkingConfig = { EndpointsConfig: { [mode]: { Aliases: [alias] } } };
  }
  return spec;
}

/** The network alias of a task: its name in lower case, runs of other characters as `-`. */
export function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
