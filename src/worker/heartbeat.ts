import { cpus, loadavg } from 'node:os';
import { coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { NodeStatus } from '../model/states.js';
import type { Runtime } from '../runtime/runtime.js';

/** How long the runtime health check may take before the node reports itself DOWN. */
export const HEALTH_CHECK_TIMEOUT_MS = 5000;

export interface HeartbeatLoopOptions {
  intervalMs: number;
  /** Publishes one heartbeat. A failure is logged and retried at the next interval. */
  beat: () => Promise<void>;
  logger: Logger;
}

/** Calls `beat` at start and then every interval, never two at once. */
export class HeartbeatLoop {
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;

  constructor(private readonly options: HeartbeatLoopOptions) {}

  /** Sends the first heartbeat and resolves when it has been published (or has failed). */
  async start(): Promise<void> {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    await this.tick();
  }

  /** Stops the timer and waits for a heartbeat in flight. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.inflight;
  }

  private tick(): Promise<void> {
    if (this.inflight) return this.inflight;
    this.inflight = this.options
      .beat()
      .catch((err: unknown) => this.options.logger.warn({ err: coerceError(err) }, 'heartbeat not sent'))
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }
}

/** Host CPU use between two calls, from the kernel's per-core time counters. */
export class CpuMeter {
  private previous = readCpuTimes();

  /** Percent busy (0–100) since the last call; falls back to the load average when no time passed. */
  sample(): number {
    const now = readCpuTimes();
    const total = now.total - this.previous.total;
    const idle = now.idle - this.previous.idle;
    this.previous = now;
    if (total <= 0) {
      const cores = Math.max(1, cpus().length);
      return round(Math.min(100, ((loadavg()[0] ?? 0) / cores) * 100));
    }
    return round(Math.max(0, Math.min(100, ((total - idle) / total) * 100)));
  }
}

function readCpuTimes(): { total: number; idle: number } {
  let total = 0;
  let idle = 0;
  for (const { times } of cpus()) {
    total += times.user + times.nice + times.sys + times.idle + times.irq;
    idle += times.idle;
  }
  return { total, idle };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** UP when the runtime answers its health check in time, DOWN otherwise. */
export async function runtimeStatus(runtime: Runtime, logger: Logger): Promise<NodeStatus> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`health check took longer than ${HEALTH_CHECK_TIMEOUT_MS} ms`)),
      HEALTH_CHECK_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([runtime.healthCheck(), timeout]);
    return 'UP';
  } catch (err) {
    logger.warn({ err: coerceError(err), runtime: runtime.name }, 'runtime health check failed');
    return 'DOWN';
  } finally {
    clearTimeout(timer);
  }
}
