import type { Datastore } from '../datastore/datastore.js';
import { coerceError } from '../errors.js';
import type { Logger } from '../logger.js';

export interface RetentionOptions {
  datastore: Datastore;
  logger: Logger;
  logsMs: number;
  jobsMs: number;
  /** Rows of each kind deleted per round. @default 1000 */
  batch?: number;
  /**
   * Rows of each kind per transaction. Small transactions keep the write lock short, so task
   * handlers never wait long behind a purge. @default 100
   */
  chunk?: number;
}

const MIN_INTERVAL_MS = 60_000;
const MAX_INTERVAL_MS = 3_600_000;

/**
 * Deletes old log parts and expired jobs in the background (engine spec §14): small batches,
 * an interval that halves while there is work and doubles while there is none, so it never
 * competes with the hot path for long.
 */
export class RetentionLoop {
  private timer: NodeJS.Timeout | undefined;
  private intervalMs = MIN_INTERVAL_MS;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: RetentionOptions) {}

  start(): void {
    this.schedule();
  }

  /**
   * One round: up to `batch` rows of each kind, in transactions of `chunk`, yielding to other
   * work between them. Returns how many rows were deleted.
   */
  async runOnce(now = new Date()): Promise<number> {
    const { datastore, logsMs, jobsMs, batch = 1000, chunk = 100 } = this.options;
    const request = {
      now,
      logsBefore: new Date(now.getTime() - logsMs),
      jobsBefore: new Date(now.getTime() - jobsMs),
      limit: Math.min(chunk, batch),
    };
    let total = 0;
    for (let done = 0; done < batch && !this.closed; done += request.limit) {
      const deleted = await datastore.purge(request);
      total += deleted;
      if (deleted === 0) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return total;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.closed) return;
    const jitter = Math.floor(Math.random() * 60_000);
    this.timer = setTimeout(() => {
      this.running = this.round().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.intervalMs + jitter);
    this.timer.unref();
  }

  private async round(): Promise<void> {
    try {
      const deleted = await this.runOnce();
      this.intervalMs = deleted > 0 ? Math.max(MIN_INTERVAL_MS, this.intervalMs / 2) : Math.min(MAX_INTERVAL_MS, this.intervalMs * 2);
      if (deleted > 0) this.options.logger.debug({ deleted }, 'retention deleted old rows');
    } catch (err) {
      this.options.logger.warn({ err: coerceError(err) }, 'retention round failed');
    }
  }
}
