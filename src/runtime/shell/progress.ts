import type { Logger } from '../../logger.js';
import { readIfWritten } from './workdir.js';

/**
 * Polls a task's `$TORK_PROGRESS` file and reports each new value. The file holds a number as
 * text; empty means 0; anything else that does not parse is ignored with a debug log.
 */
export class ProgressWatcher {
  private last = 0;
  private reading: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly path: string,
    intervalMs: number,
    private readonly report: (value: number) => void,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => this.poll(), intervalMs);
  }

  /** Stop polling and read the file one last time, so a value written just before exit counts. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.reading;
    await this.read();
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
      text = await readIfWritten(this.path);
    } catch (err) {
      this.logger.debug({ err }, 'progress file unreadable');
      return;
    }
    if (text === undefined) return; // the task removed its progress file: nothing to report
    this.accept(text);
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

export function parseProgress(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return 0;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}
