import type { Logger } from '../logger.js';

/** The number in a `$TORK_PROGRESS` file: empty means 0; anything that is not a number, undefined. */
export function parseProgress(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return 0;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Polls a task's `$TORK_PROGRESS` every interval and reports each new value. Each runtime says
 * how to read the file (from a work dir, from a container); `undefined` means it is not there.
 * Read errors and values that are not numbers are logged at debug and ignored.
 */
export class ProgressPoller {
  private last = 0;
  private reading: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly readFile: () => Promise<string | undefined>,
    intervalMs: number,
    private readonly report: (value: number) => void,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => this.poll(), intervalMs);
  }

  /**
   * Stop polling. With `finalRead` (the default), read once more, so a value written just
   * before the exit counts; the file must still be readable.
   */
  async stop(finalRead = true): Promise<void> {
    clearInterval(this.timer);
    await this.reading;
    if (finalRead) await this.read();
  }

  /** Stop polling; `text` is the file's last content, read by someone else (null: it was gone). */
  async stopWith(text: string | null): Promise<void> {
    clearInterval(this.timer);
    await this.reading;
    if (text !== null) this.accept(text);
  }

  private poll(): void {
    if (this.reading) return;
    this.reading = this.read().finally(() => {
      this.reading = undefined;
    });
  }

  private async read(): Promise<void> {
    let text: string | undefined;
    try {
      text = await this.readFile();
    } catch (err) {
      this.logger.debug({ err }, 'progress file unreadable');
      return;
    }
    if (text !== undefined) this.accept(text);
  }

  private accept(text: string): void {
    const value = parseProgress(text);
    if (value === undefined) {
      this.logger.debug({ progress: text.slice(0, 40) }, 'unreadable progress value ignored');
      return;
    }
    if (value !== this.last) {
      this.last = value;
      this.report(value);
    }
  }
}
