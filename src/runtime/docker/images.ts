import type Docker from 'dockerode';
import type { Logger } from '../../logger.js';
import type { Registry } from '../../model/task.js';
import { TaskFailure } from '../runtime.js';
import { engineMessage, isUnreachable, statusOf, unreachable } from './connection.js';
import { abortable } from './container.js';
import { pullAuth } from './credentials.js';

export interface ImageStoreOptions {
  docker: Docker;
  /** Where the engine is, for messages. */
  where: string;
  logger: Logger;
  /** Docker config file with registry credentials. @default ~/.docker/config.json */
  configFile?: string;
  /** Create a throw-away container from each image before its first use. @default false */
  verify?: boolean;
  /** Images unused this long are removed by `prune`. @default 72 hours */
  ttlMs?: number;
}

interface PullEvent {
  status?: string;
  id?: string;
  progressDetail?: { current?: number };
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Makes sure a task's image is present, pulling it when it is not. Pulls are serialised (one at
 * a time per worker, as in Tork), and each image is looked up only on its first use here.
 */
export class ImageStore {
  private readonly lastUsed = new Map<string, number>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ImageStoreOptions) {}

  /**
   * Resolve when `image` is present locally. Pull progress goes to `log`. Aborting stops the
   * wait, not a pull already started (another task may want the same image).
   */
  async ensure(
    image: string,
    registry: Registry | undefined,
    log: (line: string) => void,
    signal: AbortSignal,
  ): Promise<void> {
    if (this.lastUsed.has(image)) {
      this.lastUsed.set(image, Date.now());
      return;
    }
    const turn = this.queue.then(() => this.fetch(image, registry, log));
    this.queue = turn.catch(() => undefined);
    await abortable(turn, signal);
    this.lastUsed.set(image, Date.now());
  }

  /** Remove images this worker used that have not been used for `ttlMs`. Failures are logged. */
  async prune(now = Date.now()): Promise<string[]> {
    const ttl = this.options.ttlMs ?? 72 * 3_600_000;
    const removed: string[] = [];
    for (const [image, used] of [...this.lastUsed]) {
      if (now - used < ttl) continue;
      this.lastUsed.delete(image);
      try {
        await this.options.docker.getImage(image).remove();
        removed.push(image);
        this.options.logger.info({ image }, 'unused image removed');
      } catch (err) {
        this.options.logger.warn({ image, error: engineMessage(err) }, 'unused image not removed');
      }
    }
    return removed;
  }

  private async fetch(
    image: string,
    registry: Registry | undefined,
    log: (line: string) => void,
  ): Promise<void> {
    if (this.lastUsed.has(image)) return; // pulled by the task queued before this one
    if (!(await this.isPresent(image))) await this.pull(image, registry, log);
    if (this.options.verify) await this.verify(image);
  }

  private async isPresent(image: string): Promise<boolean> {
    try {
      await this.options.docker.getImage(image).inspect();
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw this.failure(image, err);
    }
  }

  private async pull(
    image: string,
    registry: Registry | undefined,
    log: (line: string) => void,
  ): Promise<void> {
    const { docker } = this.options;
    try {
      const authconfig = await pullAuth(image, registry, this.options.configFile);
      const stream = await docker.pull(image, authconfig ? { authconfig } : {});
      const events = await new Promise<PullEvent[]>((resolve, reject) => {
        docker.modem.followProgress(
          stream,
          (err, output: PullEvent[]) => (err ? reject(err) : resolve(output)),
          (event: PullEvent) => {
            // Byte counters change many times a second; the status lines are what a reader wants.
            if (event.status && event.progressDetail?.current === undefined) {
              log(`${event.id ? `${event.id}: ` : ''}${event.status}\n`);
            }
          },
        );
      });
      const failed = events.find((e) => e.error ?? e.errorDetail?.message);
      if (failed) throw new Error(failed.errorDetail?.message ?? failed.error);
    } catch (err) {
      throw this.failure(image, err);
    }
    this.options.logger.info({ image }, 'image pulled');
  }

  /** Tork's `image.verify`: an image an engine cannot create a container from is removed. */
  private async verify(image: string): Promise<void> {
    const { docker } = this.options;
    try {
      const container = await docker.createContainer({
        Image: image,
        Cmd: ['true'],
        Labels: { 'drover.managed': 'true' },
      });
      await container.remove({ force: true });
    } catch (err) {
      await docker
        .getImage(image)
        .remove({ force: true })
        .catch(() => undefined);
      throw new TaskFailure(`error verifying image: ${image}: ${engineMessage(err)}`);
    }
  }

  private failure(image: string, err: unknown): Error {
    if (isUnreachable(err)) return new TaskFailure(unreachable(err, this.options.where).message);
    return new TaskFailure(`error pulling image: ${image}: ${engineMessage(err)}`);
  }
}
