import type { Broker } from '../broker/broker.js';
import { QUEUE } from '../broker/broker.js';
import { parseDuration } from '../duration.js';
import { coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Task } from '../model/task.js';
import type { Runtime, TaskIO } from '../runtime/runtime.js';
import { TaskFailure, TaskTimeout } from '../runtime/runtime.js';
import { LogShipper } from './log-shipper.js';

export interface TaskRunContext {
  broker: Broker;
  runtime: Runtime;
  logger: Logger;
  nodeId: string;
  /** Go duration used when the task sets no `timeout`. */
  defaultTimeout: string | undefined;
  /** `worker.limits.cpus` / `.memory`: fill the limits a task leaves empty (engine spec §9.2). */
  defaultLimits?: { cpus?: string; memory?: string };
  logFlushIntervalMs: number;
  /** How long a task runs before `started` is published (see `runTask`). @default STARTED_DELAY_MS */
  startedDelayMs?: number;
}

/**
 * A task that completes within this long of its start is reported by `completed` alone, which
 * carries its start time: the coordinator records the start from it (handlers/completed.ts), with
 * the same RUNNING events. That spares most trivial tasks a message and a transaction. A task
 * still running after this long, or one that fails, is reported `started` as before.
 */
export const STARTED_DELAY_MS = 20;

/** setTimeout fires at once for delays beyond this (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Run one task delivered to this worker and report it: `started` (unless it completed within
 * `STARTED_DELAY_MS`), then `logs` and `progress` while it runs, then `completed` or `error`. Every
 * log part and progress update is published before the outcome. Rejects only when the broker
 * refuses a publish (the message is then redelivered); a task that fails is reported, not thrown.
 */
export async function runTask(task: Task, controller: AbortController, ctx: TaskRunContext): Promise<void> {
  const { broker, logger } = ctx;
  const taskId = task.id!;
  task.startedAt = new Date();
  task.nodeId = ctx.nodeId;
  task.state = 'RUNNING';
  if (!task.timeout && ctx.defaultTimeout) task.timeout = ctx.defaultTimeout;
  applyDefaultLimits(task, ctx.defaultLimits);
  // The task runs while RabbitMQ confirms `started` (a round trip as long as a short task); the
  // outcome waits for that confirmation, so `started` is still queued before `completed`/`error`,
  // and a `started` that cannot be published still fails the delivery (it is redelivered). A copy
  // goes out because the task object changes as it runs.
  const startedMessage = { kind: 'task' as const, task: { ...task } };
  let started: Promise<void> | undefined;
  const reportStarted = (): Promise<void> => {
    if (!started) {
      started = broker.publish(QUEUE.started, startedMessage);
      started.catch(() => undefined);
    }
    return started;
  };
  const startedDelayMs = ctx.startedDelayMs ?? STARTED_DELAY_MS;
  const startedTimer = startedDelayMs > 0 ? setTimeout(reportStarted, startedDelayMs) : undefined;
  if (!startedTimer) void reportStarted();
  logger.debug({ taskId }, 'task started');

  const shipper = new LogShipper({ broker, taskId, logger, flushIntervalMs: ctx.logFlushIntervalMs });
  const progress = new ProgressPublisher(broker, task, logger);
  const debugOutput = logger.isLevelEnabled('debug');
  const io: TaskIO = {
    log: (chunk) => {
      shipper.write(chunk);
      if (debugOutput) logger.debug({ taskId, output: chunk }, 'task output');
    },
    progress: (value) => progress.publish(value),
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    timer = armTimeout(task.timeout, controller);
    const { result, exitCode } = await ctx.runtime.run(task, { signal: controller.signal, io });
    task.state = 'COMPLETED';
    task.completedAt = new Date();
    task.result = result;
    task.exitCode = exitCode;
  } catch (err) {
    markFailed(task, err, logger);
  } finally {
    clearTimeout(timer);
    clearTimeout(startedTimer);
  }
  // The coordinator must see every log line and progress value before the outcome.
  await shipper.close();
  await progress.settled();
  if (task.state !== 'COMPLETED' || started) await reportStarted();
  const queue = task.state === 'COMPLETED' ? QUEUE.completed : QUEUE.error;
  await broker.publish(queue, { kind: 'task', task });
  logger.debug({ taskId, state: task.state }, 'task finished');
}

/** Worker-level default limits for a task that sets none (or leaves one of them empty). */
export function applyDefaultLimits(task: Task, defaults: { cpus?: string; memory?: string } | undefined): void {
  if (!defaults?.cpus && !defaults?.memory) return;
  task.limits ??= {};
  if (!task.limits.cpus && defaults.cpus) task.limits.cpus = defaults.cpus;
  if (!task.limits.memory && defaults.memory) task.limits.memory = defaults.memory;
}

function armTimeout(timeout: string | undefined, controller: AbortController): NodeJS.Timeout | undefined {
  if (!timeout) return undefined;
  const ms = parseDuration(timeout);
  if (ms === undefined) throw new TaskFailure(`invalid timeout duration: ${timeout}`);
  // A timer cannot be armed that far ahead; such a timeout can never matter in practice.
  if (ms > MAX_TIMER_MS) return undefined;
  return setTimeout(() => controller.abort(new TaskTimeout(timeout)), Math.max(0, ms));
}

function markFailed(task: Task, err: unknown, logger: Logger): void {
  task.state = 'FAILED';
  task.failedAt = new Date();
  if (err instanceof TaskFailure) {
    task.error = err.message;
    if (err.exitCode !== undefined) task.exitCode = err.exitCode;
    if (err.killedBy !== undefined) task.killedBy = err.killedBy;
    logger.debug({ taskId: task.id, error: err.message }, 'task failed');
    return;
  }
  // Not the task's fault (the runtime itself broke): the user sees the message, we keep the stack.
  const error = coerceError(err);
  task.error = error.message;
  logger.error({ err: error, taskId: task.id }, 'runtime error while running task');
}

/** Publishes progress updates one after another, so the last value sent is the last one seen. */
class ProgressPublisher {
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly broker: Broker,
    private readonly task: Task,
    private readonly logger: Logger,
  ) {}

  publish(value: number): void {
    const progress = Math.min(100, Math.max(0, value));
    const task: Task = { ...this.task, progress };
    this.sending = this.sending.then(() =>
      this.broker.publish(QUEUE.progress, { kind: 'task', task }).catch((err: unknown) => {
        this.logger.warn({ err: coerceError(err), taskId: task.id }, 'progress not published');
      }),
    );
  }

  settled(): Promise<void> {
    return this.sending;
  }
}
