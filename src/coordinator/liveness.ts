/**
 * Worker leases and lost work, for when several processes share a broker.
 *
 * A task RUNNING on a worker is leased to that worker for as long as the worker heartbeats. It
 * runs again elsewhere only once the lease has expired (no heartbeat for `timeoutMs`), never
 * because RabbitMQ gave its message to someone else: RabbitMQ also redelivers when a connection
 * blips or an ack times out, while the first worker still runs the task (Tork's duplicate-run
 * bug, engine spec §19 #11). Redelivered tasks therefore come here (the broker forwards them to
 * `redeliveries`) and are judged against the lease.
 *
 * The sweep also re-drives work that a coordinator killed mid-step left behind: a task or job
 * whose next message was lost between the commit of one step and the publish of the next. Such
 * an item is re-driven only when it is older than `timeoutMs` and its queue is empty (so it
 * cannot be waiting in a backlog); a SCHEDULED task also only when no report of it can be on its
 * way, at two looks a grace period apart (`seemsLost`, `recheckLater`): sending again a task that
 * did run would run it twice. Every handler is idempotent, so a false alarm costs nothing else.
 *
 * Every task re-queued here carries `redelivered` + 1: a message whose count is older than the
 * stored one is a stale copy and is ignored. After `maxRedeliveries` the task fails with Tork's
 * `task redelivered too many times`.
 */
import { DEFAULT_QUEUE, QUEUE, type DeliveryInfo, type Subscription } from '../broker/broker.js';
import { NotFoundError, coerceError } from '../errors.js';
import { isJobActive, isTaskActive } from '../model/states.js';
import { taskKind, type Task } from '../model/task.js';
import type { HandlerDeps } from './deps.js';
import { failTask, retryDelayMs } from './handlers/error.js';
import { handlePending } from './handlers/pending.js';

export interface LivenessOptions {
  /** A node silent this long is dead, and so is its lease on the tasks it runs. */
  timeoutMs: number;
  /** How often one of the coordinators sweeps. @default timeoutMs / 3 */
  sweepIntervalMs?: number;
  /** Re-queues of one task before it fails. @default 5 */
  maxRedeliveries?: number;
  /** Subscriptions on `redeliveries`. @default 1 */
  concurrency?: number;
}

const SWEEP_LOCK = 'drover:liveness-sweep';
const JOB_BATCH = 1000;
export const TOO_MANY_REDELIVERIES = 'task redelivered too many times';

/** See the file comment. `start()` subscribes to `redeliveries` and starts the sweep timer. */
export class LivenessMonitor {
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> | undefined;
  private readonly rechecks = new Set<NodeJS.Timeout>();
  private closed = false;
  private readonly sweepIntervalMs: number;
  private readonly maxRedeliveries: number;

  constructor(
    private readonly deps: HandlerDeps,
    private readonly options: LivenessOptions,
  ) {
    this.sweepIntervalMs = options.sweepIntervalMs ?? Math.max(100, Math.round(options.timeoutMs / 3));
    this.maxRedeliveries = options.maxRedeliveries ?? 5;
  }

  async start(): Promise<void> {
    this.subscription = await this.deps.broker.subscribe(
      QUEUE.redeliveries,
      async (message, info) => (message.kind === 'task' ? this.handleRedelivery(message.task, info) : undefined),
      { concurrency: this.options.concurrency ?? 1 },
    );
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep()
        .catch((err: unknown) => this.deps.logger.warn({ err: coerceError(err) }, 'liveness sweep failed'))
        .finally(() => (this.sweeping = undefined));
    }, this.sweepIntervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    for (const timer of this.rechecks) clearTimeout(timer);
    this.rechecks.clear();
    await this.subscription?.close();
    await this.sweeping;
  }

  /** A task whose message the broker gave back (or could not get handled) is judged here. */
  async handleRedelivery(message: Task, info: DeliveryInfo): Promise<void> {
    const d = this.deps;
    if (info.failure) {
      const error = `the ${info.failure.queue} handler failed on this task too many times: ${info.failure.error}`;
      await failTask(d, { ...message, state: 'FAILED', failedAt: d.now(), error });
      return;
    }
    const stored = await d.ds.findTask(message.id!);
    if (!stored || !isTaskActive(stored.state!) || taskKind(stored) !== 'regular') return;
    if ((message.redelivered ?? 0) !== (stored.redelivered ?? 0)) {
      d.logger.debug({ taskId: stored.id }, 'stale redelivery ignored');
      return;
    }
    if (stored.state === 'RUNNING' && stored.nodeId) {
      if (await this.isAlive(stored.nodeId)) {
        d.logger.info({ taskId: stored.id, nodeId: stored.nodeId }, 'redelivery ignored: the task is leased to a worker that still heartbeats');
        return;
      }
      await this.requeue(stored, 'its worker stopped heartbeating');
    } else if (stored.state === 'SCHEDULED') {
      // Its worker may have started it, with the `started` message still on its way: look again
      // once that message has had time to arrive.
      this.recheckLater(stored);
    }
  }

  /**
   * One pass over the work in flight: re-queue the tasks of dead workers, re-drive what a dead
   * coordinator dropped. Only one coordinator sweeps per interval. Returns how many it touched.
   */
  async sweep(): Promise<number> {
    const d = this.deps;
    const now = d.now();
    if (!(await d.ds.claimLock(SWEEP_LOCK, now, Math.round(this.sweepIntervalMs * 0.8)))) return 0;
    const cutoff = now.getTime() - this.options.timeoutMs;
    const live = new Set((await d.ds.getActiveNodes(new Date(cutoff))).map((n) => n.id));
    const sizes = new QueueSizes(d);
    let touched = 0;
    for (const task of await d.ds.listTasksInFlight(['PENDING', 'SCHEDULED', 'RUNNING'])) {
      if (this.closed) break;
      try {
        if (await this.reviveTask(task, live, cutoff, sizes)) touched++;
      } catch (err) {
        d.logger.warn({ err: coerceError(err), taskId: task.id }, 'could not re-drive a task');
      }
    }
    if ((await sizes.of(QUEUE.jobs)) === 0) {
      for (const job of await d.ds.listJobsByState(['PENDING'], JOB_BATCH)) {
        if (job.createdAt.getTime() >= cutoff) break;
        await d.broker.publish(QUEUE.jobs, { kind: 'job', job });
        d.logger.warn({ jobId: job.id }, 'job re-sent: its start was lost');
        touched++;
      }
    }
    return touched;
  }

  private async reviveTask(task: Task, live: Set<string>, cutoff: number, sizes: QueueSizes): Promise<boolean> {
    const regular = taskKind(task) === 'regular';
    if (task.state === 'RUNNING' && regular && task.nodeId && !live.has(task.nodeId)) {
      if ((task.startedAt?.getTime() ?? 0) >= cutoff) return false;
      return this.requeue(task, 'its worker stopped heartbeating');
    }
    if (task.state === 'SCHEDULED' && regular && !task.nodeId) {
      if ((task.scheduledAt?.getTime() ?? 0) >= cutoff) return false;
      if (await seemsLost(task, sizes)) this.recheckLater(task, 'its message was lost');
      return false;
    }
    if (task.state === 'PENDING') {
      const attempt = task.retry?.attempts ?? 0;
      const due = (task.createdAt?.getTime() ?? 0) + (attempt > 0 ? retryDelayMs(task, attempt) : 0);
      if (due >= cutoff || (await sizes.of(QUEUE.pending)) !== 0) return false;
      this.deps.logger.warn({ taskId: task.id }, 'pending task re-driven: its message was lost');
      await handlePending(this.deps, task);
      return true;
    }
    return false;
  }

  /**
   * Send a task to its queue again, if it is still where `seen` says it was; at the limit, fail
   * it instead. True when something changed.
   */
  private async requeue(seen: Task, reason: string): Promise<boolean> {
    const d = this.deps;
    const job = await d.ds.findJob(seen.jobId!);
    if (!job || !isJobActive(job.state)) return false;
    // Set inside `modify` (a callback, which TypeScript's narrowing cannot follow).
    const result: { outcome: 'requeued' | 'exhausted' | 'unchanged' } = { outcome: 'unchanged' };
    const task = await d.ds.updateTask(seen.id!, (t) => {
      const same = t.state === seen.state && t.nodeId === seen.nodeId && (t.redelivered ?? 0) === (seen.redelivered ?? 0);
      if (!same) return;
      if ((t.redelivered ?? 0) >= this.maxRedeliveries) {
        result.outcome = 'exhausted';
        return;
      }
      result.outcome = 'requeued';
      t.state = 'SCHEDULED';
      t.nodeId = undefined;
      t.startedAt = undefined;
      t.redelivered = (t.redelivered ?? 0) + 1;
    });
    if (result.outcome === 'exhausted') {
      d.logger.warn({ taskId: task.id, reason }, 'task failed: redelivered too many times');
      await failTask(d, { ...task, state: 'FAILED', failedAt: d.now(), error: TOO_MANY_REDELIVERIES });
      return true;
    }
    if (result.outcome === 'unchanged') return false;
    d.logger.warn({ taskId: task.id, nodeId: seen.nodeId, redelivered: task.redelivered, reason }, 'task re-queued');
    await d.broker.publish(task.queue ?? DEFAULT_QUEUE, { kind: 'task', task }, { priority: task.priority ?? 0 });
    return true;
  }

  /**
   * Look at a SCHEDULED task again after a grace period, and send it again if it still seems
   * lost. Once is not enough to tell: a report delivered to another coordinator and not yet
   * committed may not show in the queues (RabbitMQ's counts of unacknowledged messages come from
   * statistics that lag by seconds), and a task sent again while its completion commits runs
   * twice. A report delivered moments ago is committed well before the second look.
   */
  private recheckLater(seen: Task, reason = 'its delivery was lost before it started'): void {
    if (this.closed) return;
    const graceMs = Math.min(10_000, Math.round(this.options.timeoutMs / 3));
    const timer = setTimeout(() => {
      this.rechecks.delete(timer);
      void this.recheck(seen, reason).catch((err: unknown) =>
        this.deps.logger.warn({ err: coerceError(err), taskId: seen.id }, 'could not re-check a scheduled task'),
      );
    }, graceMs);
    timer.unref();
    this.rechecks.add(timer);
  }

  private async recheck(seen: Task, reason: string): Promise<void> {
    if (this.closed) return;
    const stored = await this.deps.ds.findTask(seen.id!);
    if (!stored || stored.state !== 'SCHEDULED' || stored.nodeId) return;
    // Its report may be waiting behind others; if it was truly lost, a later sweep sends it again.
    if (await mayBeReported(new QueueSizes(this.deps))) return;
    // `requeue` sends it only if it is still as first seen (same redelivery count).
    await this.requeue({ ...stored, redelivered: seen.redelivered }, reason);
  }

  private async isAlive(nodeId: string): Promise<boolean> {
    const node = await this.deps.ds.findNode(nodeId);
    return !!node && this.deps.now().getTime() - node.lastHeartbeatAt.getTime() <= this.options.timeoutMs;
  }
}

/** A SCHEDULED task nobody has reported on, with nothing for it in its queue: its message may be lost. */
async function seemsLost(task: Task, sizes: QueueSizes): Promise<boolean> {
  return (await sizes.of(task.queue ?? DEFAULT_QUEUE)) === 0 && !(await mayBeReported(sizes));
}

/**
 * Whether a SCHEDULED task may have been reported by a message the coordinators have not handled
 * yet: its `started`, or its `completed` alone, which is all a worker sends for a task that
 * completes within moments of its start (worker/task-run.ts). Such a task ran: it is not lost,
 * and sending it again would run it twice. Under load the `completed` queue can stay busy for
 * longer than the lease, which the cluster test met as 537 runs of 533 tasks.
 */
async function mayBeReported(sizes: QueueSizes): Promise<boolean> {
  return (await sizes.of(QUEUE.started)) !== 0 || (await sizes.of(QUEUE.completed)) !== 0;
}

/**
 * Messages in a queue, asked once per sweep: those waiting and those delivered but not yet
 * acknowledged. The second count matters: a coordinator that takes several messages at once (or
 * prefetches) holds `started` messages it has not handled yet, and a worker holds the task it
 * runs; neither task is lost. A queue that does not exist holds nothing; one that cannot be
 * asked about counts as busy (nothing is re-driven on a guess).
 */
class QueueSizes {
  private readonly known = new Map<string, Promise<number>>();

  constructor(private readonly deps: HandlerDeps) {}

  of(queue: string): Promise<number> {
    let size = this.known.get(queue);
    if (!size) {
      size = this.deps.broker.queueInfo(queue).then(
        (info) => info.size + info.unacked,
        (err: unknown) => (err instanceof NotFoundError ? 0 : Number.POSITIVE_INFINITY),
      );
      this.known.set(queue, size);
    }
    return size;
  }
}
