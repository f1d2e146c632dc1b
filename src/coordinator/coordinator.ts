import { hostname } from 'node:os';
import { QUEUE, type Broker, type Message, type Subscription } from '../broker/broker.js';
import type { Datastore } from '../datastore/datastore.js';
import { UnavailableError, coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import { newNodeId } from '../model/ids.js';
import type { Redactor } from '../model/redact.js';
import type { Task } from '../model/task.js';
import type { HandlerDeps } from './deps.js';
import { completeTask } from './handlers/completed.js';
import { failTask } from './handlers/error.js';
import { handleHeartbeat } from './handlers/heartbeat.js';
import { handleJobMessage, submitJob } from './handlers/jobs.js';
import type { Job } from '../model/job.js';
import { createLogsHandler } from './handlers/logs.js';
import { handlePending } from './handlers/pending.js';
import { handleProgress } from './handlers/progress.js';
import { handleStarted } from './handlers/started.js';
import { cpuSampler } from '../cpu.js';
import type { MetricsRegistry } from '../metrics.js';
import { CoordinatorMetrics } from './metrics.js';
import { LivenessMonitor, type LivenessOptions } from './liveness.js';
import { recoverInFlightWork } from './recovery.js';
import { RetentionLoop } from './retention.js';
import { ScheduledJobRunner } from './scheduled-jobs.js';
import { WebhookDispatcher, type WebhookDispatcherOptions } from './webhooks/dispatcher.js';

export interface CoordinatorOptions {
  datastore: Datastore;
  broker: Broker;
  logger: Logger;
  redactor: Redactor;
  version: string;
  /** @default 'Coordinator' */
  name?: string;
  /** Subscriptions per coordinator queue. @default 1 each */
  queues?: Record<string, number>;
  /** @default 30_000 */
  heartbeatIntervalMs?: number;
  /**
   * Re-queue the work the datastore says was in flight, at start-up. Standalone mode needs it
   * because its in-memory broker lost every message when the process died.
   * @default false
   */
  recoverOnStart?: boolean;
  retention?: { logsMs: number; jobsMs: number };
  /** Worker leases and lost-work sweeps (see liveness.ts); off when not given. */
  liveness?: LivenessOptions;
  /** Webhook delivery tuning (tests shorten the backoff). */
  webhooks?: Pick<WebhookDispatcherOptions, 'backoffMs' | 'pollMs' | 'timeoutMs' | 'maxAttempts'>;
  /** Where the coordinator's counters go (the API renders the same registry). @default a private one */
  metrics?: MetricsRegistry;
  /** See `HandlerDeps.jobEnded`. */
  jobEnded?: (job: Job) => boolean;
  now?: () => Date;
}

export type CoordinatorState = 'created' | 'running' | 'closing' | 'closed';

/** Owns job and task state: consumes the coordinator queues and decides what runs next. */
export class Coordinator {
  readonly id = newNodeId();
  private state: CoordinatorState = 'created';
  private readonly deps: HandlerDeps;
  private readonly subscriptions: Subscription[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private retention: RetentionLoop | undefined;
  private webhooks: WebhookDispatcher | undefined;
  private scheduler: ScheduledJobRunner | undefined;
  private liveness: LivenessMonitor | undefined;
  private readonly startedAt = new Date();
  private readonly cpu = cpuSampler();

  constructor(private readonly options: CoordinatorOptions) {
    for (const key of ['datastore', 'broker', 'logger', 'redactor', 'version'] as const) {
      if (!options[key]) throw new Error(`Coordinator: option "${key}" is required`);
    }
    this.deps = {
      ds: options.datastore,
      broker: options.broker,
      logger: options.logger.child({ component: 'coordinator' }),
      redactor: options.redactor,
      now: options.now ?? (() => new Date()),
      later: (task, delayMs) => this.publishLater(task, delayMs),
      metrics: new CoordinatorMetrics(options.metrics),
      webhooksQueued: () => this.webhooks?.nudge(),
      jobEnded: options.jobEnded,
    };
  }

  async start(): Promise<void> {
    if (this.state !== 'created') return;
    this.state = 'running';
    const d = this.deps;
    const logs = createLogsHandler(d);
    await this.consume(QUEUE.jobs, (m) => (m.kind === 'job' ? handleJobMessage(d, m.job, !!m.restart) : undefined));
    await this.consumeTasks(QUEUE.pending, (t) => handlePending(d, t));
    await this.consumeTasks(QUEUE.started, (t) => handleStarted(d, t));
    await this.consumeTasks(QUEUE.completed, (t) => completeTask(d, t));
    await this.consumeTasks(QUEUE.error, (t) => failTask(d, t));
    await this.consumeTasks(QUEUE.progress, (t) => handleProgress(d, t));
    await this.consume(QUEUE.heartbeat, (m) => (m.kind === 'node' ? handleHeartbeat(d, m.node) : undefined));
    await this.consume(QUEUE.logs, (m) => (m.kind === 'log' ? logs(m.part) : undefined));
    await this.heartbeat();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.options.heartbeatIntervalMs ?? 30_000);
    this.heartbeatTimer.unref();
    if (this.options.retention) {
      this.retention = new RetentionLoop({ datastore: d.ds, logger: d.logger, ...this.options.retention });
      this.retention.start();
    }
    this.webhooks = new WebhookDispatcher({ datastore: d.ds, logger: d.logger, metrics: d.metrics, ...this.options.webhooks });
    this.webhooks.start();
    this.scheduler = new ScheduledJobRunner({ datastore: d.ds, broker: d.broker, logger: d.logger, now: d.now });
    await this.scheduler.start();
    if (this.options.recoverOnStart) await recoverInFlightWork(d);
    if (this.options.liveness) await (this.liveness = new LivenessMonitor(d, this.options.liveness)).start();
    d.logger.info({ nodeId: this.id }, 'coordinator started');
  }

  async close(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'closing';
    clearInterval(this.heartbeatTimer);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.retention?.close();
    await this.webhooks?.close();
    await this.scheduler?.close();
    await this.liveness?.close();
    await Promise.allSettled(this.subscriptions.map((s) => s.close()));
    this.state = 'closed';
  }

  /** Store and start a job submitted to this process's API (handlers/jobs.ts `submitJob`). */
  async submitJob(job: Job): Promise<Job> {
    if (this.state !== 'running') throw new UnavailableError('the coordinator is not running');
    return submitJob(this.deps, job);
  }

  private async consume(queue: string, handle: (m: Message) => Promise<void> | undefined): Promise<void> {
    const concurrency = this.options.queues?.[queue] ?? 1;
    this.subscriptions.push(await this.deps.broker.subscribe(queue, async (m) => handle(m), { concurrency }));
  }

  /**
   * Task queues go through Tork's error wrapper: a handler that throws marks the task FAILED
   * with the error text, so a job never hangs on an unexpected error. An operational failure
   * (`UnavailableError`: datastore unreachable, deadlock) is not the task's fault: it goes back
   * to the broker, which redelivers the message a bounded number of times.
   */
  private async consumeTasks(queue: string, handle: (t: Task) => Promise<void>): Promise<void> {
    await this.consume(queue, async (m) => {
      if (m.kind !== 'task') return;
      try {
        await handle(m.task);
      } catch (err) {
        const error = coerceError(err);
        this.deps.logger.error({ err: error, queue, taskId: m.task.id }, 'task handler failed');
        if (queue === QUEUE.error || error instanceof UnavailableError) throw error;
        await failTask(this.deps, { ...m.task, state: 'FAILED', failedAt: this.deps.now(), error: error.message });
      }
    });
  }

  private publishLater(task: Task, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.deps.broker.publish(QUEUE.pending, { kind: 'task', task }).catch((err: unknown) => {
        this.deps.logger.warn({ err: coerceError(err), taskId: task.id }, 'could not publish a delayed retry');
      });
    }, delayMs);
    this.timers.add(timer);
  }

  private async heartbeat(): Promise<void> {
    const now = this.deps.now();
    try {
      await this.deps.broker.publish(QUEUE.heartbeat, {
        kind: 'node',
        node: {
          id: this.id,
          name: this.options.name ?? 'Coordinator',
          startedAt: this.startedAt,
          lastHeartbeatAt: now,
          cpuPercent: this.cpu(),
          status: 'UP',
          hostname: hostname(),
          version: this.options.version,
        },
      });
    } catch (err) {
      this.deps.logger.warn({ err: coerceError(err) }, 'could not send heartbeat');
    }
  }
}
