import type Docker from 'dockerode';
import { delay } from '../../async.js';
import type { Logger } from '../../logger.js';
import { TaskFailure } from '../runtime.js';
import { engineMessage, isUnreachable, statusOf, unreachable } from './connection.js';
import { OutputDemuxer } from './output.js';
import { readFirstFile } from './tar.js';

/** Tork gives container creation 30 s, whatever happens to the task meanwhile. */
const CREATE_TIMEOUT_MS = 30_000;
/** How long to keep reading output after the container exited. */
const DRAIN_LIMIT_MS = 2000;
const REMOVE_ATTEMPTS = 5;

export interface EngineContext {
  docker: Docker;
  /** Where the engine is, for messages. */
  where: string;
  logger: Logger;
}

export interface ContainerExit {
  exitCode: number;
  oomKilled: boolean;
}

/**
 * One container of a task, from create to removal. Every method turns engine errors into a
 * `TaskFailure` that says what was being done; `remove` never throws.
 */
export class TaskContainer {
  private output: Promise<void> = Promise.resolve();
  private removed: Promise<void> | undefined;
  private started = false;
  private exited = false;

  private constructor(
    private readonly ctx: EngineContext,
    private readonly container: Docker.Container,
  ) {}

  get id(): string {
    return this.container.id;
  }

  /** Create the container, copy `archive` into it at `/` and join `extraNetworks`. */
  static async create(
    ctx: EngineContext,
    spec: Docker.ContainerCreateOptions,
    archive: Buffer,
    extraNetworks: Array<{ name: string; alias: string }>,
  ): Promise<TaskContainer> {
    const container = new TaskContainer(ctx, await createWithTimeout(ctx, spec));
    try {
      await container.call('copying files into the container', () =>
        container.container.putArchive(archive, { path: '/' }),
      );
      for (const { name, alias } of extraNetworks) {
        await container.call(`joining network ${name}`, () =>
          ctx.docker
            .getNetwork(name)
            .connect({ Container: container.id, EndpointConfig: { Aliases: alias ? [alias] : [] } }),
        );
      }
    } catch (err) {
      await container.remove();
      throw err;
    }
    return container;
  }

  /** Follow the output (attached before start, so nothing is missed), then start. */
  async start(onOutput: (text: string) => void): Promise<void> {
    const stream = await this.call('attaching to the container', () =>
      this.container.attach({ stream: true, stdout: true, stderr: true }),
    );
    const demuxer = new OutputDemuxer(onOutput);
    this.output = new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => demuxer.write(chunk));
      stream.once('end', resolve).once('close', resolve).once('error', resolve);
    }).then(() => demuxer.end());
    this.started = true;
    await this.call('starting the container', () => this.container.start());
  }

  /** Resolve with the exit status; aborting rejects at once with the abort reason. */
  async wait(signal: AbortSignal): Promise<ContainerExit> {
    const waiting = this.call('waiting for the container', () => this.container.wait());
    waiting.catch(() => undefined); // when aborted, the removal makes it reject unobserved
    const result = (await abortable(waiting, signal)) as { StatusCode: number };
    this.exited = true;
    await Promise.race([this.output, delay(DRAIN_LIMIT_MS)]);
    const exit: ContainerExit = { exitCode: result.StatusCode, oomKilled: false };
    if (exit.exitCode !== 0) {
      const info = await this.container.inspect().catch(() => undefined);
      exit.oomKilled = info?.State?.OOMKilled === true;
    }
    return exit;
  }

  /**
   * The output the engine stored for the container (after it exited). Podman's attach stream
   * can lose a fast container's last output and report a socket error in its place; the stored
   * log is complete, so failure messages are built from it.
   */
  async storedOutput(): Promise<string | undefined> {
    try {
      const raw = (await this.container.logs({
        stdout: true,
        stderr: true,
        follow: false,
      })) as unknown as Buffer;
      let text = '';
      const demuxer = new OutputDemuxer((t) => (text += t));
      demuxer.write(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
      demuxer.end();
      return text;
    } catch {
      return undefined;
    }
  }

  /** The content of a file in the container; `undefined` when the task removed it. */
  async readFile(path: string): Promise<string | undefined> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.container.getArchive({ path });
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw this.failure(`reading ${path}`, err);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return readFirstFile(Buffer.concat(chunks))?.toString('utf8');
  }

  /** The host port a published container port was given. */
  async hostPort(port: number): Promise<number> {
    const info = await this.call('inspecting the container', () => this.container.inspect());
    const binding = info.NetworkSettings?.Ports?.[`${port}/tcp`]?.[0];
    if (!binding?.HostPort) throw new TaskFailure(`container port ${port} was not published`);
    return Number(binding.HostPort);
  }

  /** The container's address on `network`. */
  async address(network: string): Promise<string | undefined> {
    const info = await this.call('inspecting the container', () => this.container.inspect());
    return info.NetworkSettings?.Networks?.[network]?.IPAddress || undefined;
  }

  /** Stop and remove the container with its anonymous volumes. Idempotent; never throws. */
  remove(): Promise<void> {
    this.removed ??= forceRemove(this.ctx, this.container, this.started && !this.exited);
    return this.removed;
  }

  private async call<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.failure(doing, err);
    }
  }

  private failure(doing: string, err: unknown): TaskFailure {
    return engineFailure(this.ctx, doing, err);
  }
}

export function engineFailure(ctx: EngineContext, doing: string, err: unknown): TaskFailure {
  if (err instanceof TaskFailure) return err;
  if (isUnreachable(err)) return new TaskFailure(unreachable(err, ctx.where).message);
  return new TaskFailure(`error ${doing}: ${engineMessage(err)}`);
}

async function createWithTimeout(
  ctx: EngineContext,
  spec: Docker.ContainerCreateOptions,
): Promise<Docker.Container> {
  const creating = ctx.docker.createContainer(spec);
  const timeout = delay(CREATE_TIMEOUT_MS).then(() => 'timeout' as const);
  let outcome: Docker.Container | 'timeout';
  try {
    outcome = await Promise.race([creating, timeout]);
  } catch (err) {
    throw engineFailure(ctx, 'creating the container', err);
  }
  if (outcome === 'timeout') {
    // It may still appear: remove it then, so nothing outlives the task.
    creating.then((late) => forceRemove(ctx, late, false)).catch(() => undefined);
    throw new TaskFailure(`error creating the container: no answer from ${ctx.where} within 30s`);
  }
  return outcome;
}

/**
 * Remove a container, killing it first when it may be running: Podman's forced removal of a
 * container created by its CLI waits out the stop timeout (10 s) before it kills. Podman may
 * also refuse to remove a container that is exiting at that moment: try again.
 */
export async function forceRemove(
  ctx: EngineContext,
  container: Docker.Container,
  mayRun: boolean,
): Promise<void> {
  if (mayRun) await container.kill().catch(() => undefined); // already stopped or gone: fine
  for (let attempt = 1, waitMs = 100; ; attempt++, waitMs *= 2) {
    try {
      await container.remove({ force: true, v: true });
      return;
    } catch (err) {
      if (statusOf(err) === 404) return;
      if (attempt >= REMOVE_ATTEMPTS || isUnreachable(err)) {
        ctx.logger.warn({ containerId: container.id, error: engineMessage(err) }, 'container not removed');
        return;
      }
      await delay(waitMs);
    }
  }
}

/** Settle with `promise`, or reject with the abort reason as soon as `signal` aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort))
      .catch(() => undefined);
  });
}
