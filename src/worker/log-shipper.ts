import type { Broker } from '../broker/broker.js';
import { QUEUE } from '../broker/broker.js';
import { coerceError } from '../errors.js';
import type { Logger } from '../logger.js';

export interface LogShipperOptions {
  broker: Broker;
  taskId: string;
  logger: Logger;
  /** Longest time output waits in the buffer. @default 1000 */
  flushIntervalMs?: number;
  /** A buffer longer than this (in characters) is sent at once. @default 65536 */
  maxBufferChars?: number;
}

/**
 * Batches one task run's output into `TaskLogPart`s on the `logs` queue, numbered 1, 2, 3, …
 * Parts are published one after another, so their numbers arrive in order.
 */
export class LogShipper {
  private readonly broker: Broker;
  private readonly taskId: string;
  private readonly logger: Logger;
  private readonly flushIntervalMs: number;
  private readonly maxBufferChars: number;
  private buffer: string[] = [];
  private bufferedChars = 0;
  private number = 0;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  /** The chain of publishes; each part waits for the one before it. */
  private sending: Promise<void> = Promise.resolve();

  constructor(options: LogShipperOptions) {
    this.broker = options.broker;
    this.taskId = options.taskId;
    this.logger = options.logger;
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.maxBufferChars = options.maxBufferChars ?? 64 * 1024;
  }

  /** Queue output for shipping. Never throws. Output after `close` is dropped: the outcome is already on its way. */
  write(chunk: string): void {
    if (chunk === '' || this.closed) return;
    this.buffer.push(chunk);
    this.bufferedChars += chunk.length;
    if (this.bufferedChars >= this.maxBufferChars) {
      this.flush();
    } else if (!this.timer) {
      // Armed only while something waits, so a task with no output costs no timer.
      this.timer = setTimeout(() => this.flush(), this.flushIntervalMs);
    }
  }

  /** Send everything buffered and resolve once every part so far has been published. */
  async close(): Promise<void> {
    this.closed = true;
    this.flush();
    await this.sending;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.bufferedChars === 0) return;
    const contents = this.buffer.join('');
    this.buffer = [];
    this.bufferedChars = 0;
    const part = { number: ++this.number, taskId: this.taskId, contents };
    this.sending = this.sending.then(() =>
      this.broker.publish(QUEUE.logs, { kind: 'log', part }).catch((err: unknown) => {
        // A lost log part must not fail the task; the broker being down shows elsewhere.
        this.logger.warn(
          { err: coerceError(err), taskId: this.taskId, number: part.number },
          'log part not shipped',
        );
      }),
    );
  }
}
