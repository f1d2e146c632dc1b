import type { Logger } from '../../logger.js';
import type { TaskContainer } from './container.js';
import { parseProgress } from './output.js';
import { TORK_PROGRESS } from './spec.js';

/**
 * Reads `$TORK_PROGRESS` out of a running container every interval and reports each new value.
 * Read errors and values that are not numbers are logged at debug and ignored.
 */
export class ProgressPoller {
  private last = 0;
  private reading: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly container: TaskContainer,
    intervalMs: number,
    private readonly report: (value: number) => void,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => this.poll(), intervalMs);
  }

  /**
   * Stop polling. With `finalRead`, read once more (the container must still exist), so a
   * value written just before the exit counts.
   */
  async stop(finalRead: boolean): Promise<void> {
    clearInterval(this.timer);
    await this.reading;
    if (finalRead) await this.read();
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
      text = await this.container.readFile(TORK_PROGRESS);
    } catch (err) {
      this.logger.debug({ err, containerId: this.container.id }, 'progress file unreadable');
      return;
    }
    if (text === undefined) return;
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
