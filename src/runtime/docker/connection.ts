import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Docker from 'dockerode';
import { delay } from '../../async.js';
import type { Logger } from '../../logger.js';

/**
 * The client for one container engine's Docker-compatible API, and for Podman the
 * `podman system service` this worker starts when nothing answers on the socket.
 */

export type EngineKind = 'docker' | 'podman';

export interface ConnectionOptions {
  kind: EngineKind;
  /**
   * `unix:///path`, a socket path, or `tcp://host:port`. @default for docker the Docker
   * client's default (`DOCKER_HOST`, else `/var/run/docker.sock`); for podman
   * `/run/podman/podman.sock` (root) or `/run/user/<uid>/podman/podman.sock`
   */
  host?: string;
  /** Podman only: start `podman system service` on the socket when nothing answers. */
  startService: boolean;
  logger: Logger;
}

interface ModemAddress {
  socketPath?: unknown;
  host?: string;
  protocol?: string;
  port?: string | number;
}

const SERVICE_START_TIMEOUT_MS = 30_000;
const UNREACHABLE_CODES = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'EACCES',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

export class EngineConnection {
  readonly docker: Docker;
  /** Where the engine is, for messages (`unix:///run/podman/podman.sock`). */
  readonly where: string;
  private readonly socketPath: string | undefined;
  private service: ChildProcess | undefined;
  private starting: Promise<void> | undefined;

  constructor(private readonly options: ConnectionOptions) {
    const target = resolveHost(options.kind, options.host);
    this.docker = new Docker(target);
    // The modem resolved DOCKER_HOST and the defaults; its fields are not in the library's types.
    const modem = this.docker.modem as unknown as ModemAddress;
    this.socketPath = typeof modem.socketPath === 'string' ? modem.socketPath : undefined;
    if (this.socketPath) this.where = `unix://${this.socketPath}`;
    else if (modem.host) this.where = `${modem.protocol ?? 'http'}://${modem.host}:${modem.port ?? ''}`;
    else this.where = 'the default Docker socket';
  }

  /** Resolve when the engine answers a ping, starting Podman's service first if that is ours to do. */
  async ensureReachable(): Promise<void> {
    try {
      await this.docker.ping();
      return;
    } catch (err) {
      if (!this.mayStartService(err)) throw unreachable(err, this.where);
    }
    this.starting ??= this.startService().finally(() => {
      this.starting = undefined;
    });
    await this.starting;
  }

  /** Stop the service this connection started, if any. Containers it ran are already gone. */
  async close(): Promise<void> {
    const service = this.service;
    this.service = undefined;
    if (!service || service.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => service.once('exit', () => resolve()));
    service.kill('SIGTERM');
    await Promise.race([exited, delay(5000).then(() => service.kill('SIGKILL'))]);
  }

  private mayStartService(err: unknown): boolean {
    const code = (err as NodeJS.ErrnoException).code;
    return (
      this.options.kind === 'podman' &&
      this.options.startService &&
      this.socketPath !== undefined &&
      this.service === undefined &&
      (code === 'ENOENT' || code === 'ECONNREFUSED')
    );
  }

  private async startService(): Promise<void> {
    const socket = this.socketPath!;
    mkdirSync(dirname(socket), { recursive: true });
    this.options.logger.info({ socket }, 'starting podman system service');
    const child = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (err) =>
        reject(new Error(`could not start podman system service: ${err.message}`)),
      );
      child.once('exit', (code) =>
        reject(new Error(`podman system service exited with code ${code}: ${stderr.trim()}`)),
      );
    });
    failed.catch(() => undefined); // observed below; the service may also exit long after start-up
    this.service = child;
    const deadline = Date.now() + SERVICE_START_TIMEOUT_MS;
    for (;;) {
      try {
        await Promise.race([this.docker.ping(), failed]);
        return;
      } catch (err) {
        if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
          this.service = undefined;
          child.kill('SIGKILL');
          throw unreachable(err, this.where);
        }
      }
      await delay(100);
    }
  }
}

function resolveHost(kind: EngineKind, host: string | undefined): Docker.DockerOptions | undefined {
  if (!host) return kind === 'podman' ? { socketPath: defaultPodmanSocket() } : undefined;
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host.startsWith('/')) return { socketPath: host };
  const url = new URL(host.includes('://') ? host : `tcp://${host}`);
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  return { protocol, host: url.hostname, port: url.port || (protocol === 'https' ? 2376 : 2375) };
}

function defaultPodmanSocket(): string {
  const uid = process.getuid?.() ?? 0;
  return uid === 0 ? '/run/podman/podman.sock' : `/run/user/${uid}/podman/podman.sock`;
}

/** True when the error says the engine could not be reached at all (rather than refusing a request). */
export function isUnreachable(err: unknown): boolean {
  return UNREACHABLE_CODES.has((err as NodeJS.ErrnoException)?.code ?? '');
}

export function unreachable(err: unknown, where: string): Error {
  return new Error(`container engine not reachable at ${where}: ${engineMessage(err)}`, { cause: err });
}

/** The engine's own words for an API error, without dockerode's `(HTTP code 500) server error - ` prefix. */
export function engineMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string };
  const text = e?.json?.message ?? e?.message ?? String(err);
  return text.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

export function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number })?.statusCode;
}

/**
 * Whether a Docker engine answers at the Docker client's default address (`DOCKER_HOST`, else
 * `/var/run/docker.sock`) within `timeoutMs`. For choosing the standalone default runtime:
 * `docker` when this answers, `shell` otherwise. Podman's own socket is deliberately not
 * probed, so a machine set up for the Podman tests keeps the shell default.
 */
export async function dockerEngineAnswers(timeoutMs = 1000): Promise<boolean> {
  const stop = new AbortController();
  try {
    const timeout = delay(timeoutMs, stop.signal).then(
      () => false,
      () => false,
    );
    return await Promise.race([new Docker().ping().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    stop.abort();
  }
}
