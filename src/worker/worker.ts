import { hostname as osHostname } from 'node:os';
import type { Broker, Message, Subscription } from '../broker/broker.js';
import { DEFAULT_QUEUE, QUEUE, isTaskQueue, nodeQueue } from '../broker/broker.js';
import type { Logger } from '../logger.js';
import { newNodeId } from '../model/ids.js';
import type { Node } from '../model/node.js';
import type { Runtime } from '../runtime/runtime.js';
import { TaskCancelled } from '../runtime/runtime.js';
import { CpuMeter, HeartbeatLoop, runtimeStatus } from './heartbeat.js';
import { runTask } from './task-run.js';

export interface WorkerOptions {
  broker: Broker;
  runtime: Runtime;
  logger: Logger;
  /** Node id; also names the private queue `x-<id>`. @default a new short UUID */
  id?: string;
  /** @default 'Worker' */
  name?: string;
  /** Reported in heartbeats. */
  version: string;
  /**
   * Task queues to consume and how many tasks of each may run at once; empty means the default.
   * @default { default: 1 }
   */
  queues?: Record<string, number>;
  /** Defaults for tasks that set none. `timeout` is a Go duration; `cpus`/`memory` as in task limits. */
  limits?: { timeout?: string; cpus?: string; memory?: string };
  /** @default 30000 */
  heartbeatIntervalMs?: number;
  /** Longest time task output waits before it is shipped to `logs`. @default 1000 */
  logFlushIntervalMs?: number;
  /** How long a task runs before `started` is published (worker/task-run.ts). @default 20 */
  startedDelayMs?: number;
  /** @default os.hostname() */
  hostname?: string;
  /** The worker's HTTP port, reported in heartbeats when set. */
  port?: number;
}

/** `new` → `running` (after `start`) → `closing` → `closed`. */
export type WorkerState = 'new' | 'running' | 'closing' | 'closed';

/**
 * Consumes task queues and runs each task with the runtime. It talks only to the broker: it
 * publishes the task to `started`, its output to `logs`, its progress to `progress`, and the
 * outcome to `completed` or `error`; a failed task is reported, never thrown at the broker.
 * A `{kind: 'task'}` message on `x-<id>` cancels that task if it runs here.
 */
export class Worker {
  readonly id: string;
  private readonly options: WorkerOptions;
  private readonly logger: Logger;
  private readonly running = new Map<string, AbortController>();
  private readonly handlers = new Set<Promise<void>>();
  private readonly subscriptions: Subscription[] = [];
  private readonly heartbeat: HeartbeatLoop;
  private readonly cpu = new CpuMeter();
  private readonly startedAt = new Date();
  private state: WorkerState = 'new';
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: WorkerOptions) {
    for (const name of ['broker', 'runtime', 'logger', 'version'] as const) {
      if (!options?.[name]) throw new Error(`Worker: option "${name}" is required`);
    }
    this.options = options;
    this.id = options.id ?? newNodeId();
    this.logger = options.logger.child({ component: 'worker', nodeId: this.id });
    this.heartbeat = new HeartbeatLoop({
      intervalMs: options.heartbeatIntervalMs ?? 30_000,
      beat: () => this.sendHeartbeat(),
      logger: this.logger,
    });
  }

  /** Tasks running on this worker now. */
  get runningCount(): number {
    return this.running.size;
  }

  /** Subscribe to `x-<id>` and the task queues, then send the first heartbeat. Idempotent. */
  start(): Promise<void> {
    if (this.state === 'closing' || this.state === 'closed')
      return Promise.reject(new Error('worker is closed'));
    this.starting ??= this.subscribeAll();
    return this.starting;
  }

  /** Stop consuming, cancel the tasks running here and wait for their outcome to be published. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async subscribeAll(): Promise<void> {
    const { broker } = this.options;
    this.state = 'running';
    this.subscriptions.push(await broker.subscribe(nodeQueue(this.id), (m) => this.handleCancel(m)));
    const configured = this.options.queues ?? {};
    const queues = Object.keys(configured).length > 0 ? configured : { [DEFAULT_QUEUE]: 1 };
    for (const [queue, concurrency] of Object.entries(queues)) {
      if (!isTaskQueue(queue) || concurrency < 1) {
        this.logger.warn({ queue, concurrency }, 'queue skipped: not a task queue or no concurrency');
        continue;
      }
      this.subscriptions.push(
        await broker.subscribe(queue, (m) => this.track(this.handleTask(m)), { concurrency }),
      );
    }
    await this.heartbeat.start();
    this.logger.info({ queues }, 'worker started');
  }

  private async shutdown(): Promise<void> {
    this.state = 'closing';
    await this.starting?.catch(() => undefined);
    // Stop intake first (close marks a subscription closed at once), then cancel what runs:
    // closing a subscription waits for its handlers, which wait for their tasks.
    const closing = this.subscriptions.map((s) => s.close());
    for (const controller of this.running.values()) controller.abort(new TaskCancelled());
    await Promise.all(closing);
    await Promise.allSettled([...this.handlers]);
    await this.heartbeat.close();
    this.state = 'closed';
    this.logger.info('worker closed');
  }

  private track(handler: Promise<void>): Promise<void> {
    this.handlers.add(handler);
    void handler.then(
      () => this.handlers.delete(handler),
      () => this.handlers.delete(handler),
    );
    return handler;
  }

  private async handleCancel(message: Message): Promise<void> {
    if (message.kind !== 'task' || !message.task.id) return;
    const controller = this.running.get(message.task.id);
    if (!controller) {
      this.logger.debug({ taskId: message.task.id }, 'cancel ignored: task not running here');
      return;
    }
    this.logger.debug({ taskId: message.task.id }, 'cancelling task');
    controller.abort(new TaskCancelled());
  }

  private async handleTask(message: Message): Promise<void> {
    if (message.kind !== 'task') {
      this.logger.warn({ kind: message.kind }, 'message on a task queue ignored: not a task');
      return;
    }
    const { task } = message;
    if (!task.id) {
      this.logger.warn('task without an id ignored');
      return;
    }
    if (this.running.has(task.id)) {
      this.logger.debug({ taskId: task.id }, 'duplicate delivery ignored: task already running here');
      return;
    }
    const controller = new AbortController();
    // A task delivered while closing is reported cancelled rather than dropped or started.
    if (this.state !== 'running') controller.abort(new TaskCancelled());
    this.running.set(task.id, controller);
    try {
      await runTask(task, controller, {
        broker: this.options.broker,
        runtime: this.options.runtime,
        logger: this.logger,
        nodeId: this.id,
        defaultTimeout: this.options.limits?.timeout,
        defaultLimits: { cpus: this.options.limits?.cpus, memory: this.options.limits?.memory },
        logFlushIntervalMs: this.options.logFlushIntervalMs ?? 1000,
        startedDelayMs: this.options.startedDelayMs,
      });
    } finally {
      this.running.delete(task.id);
    }
  }

  private async sendHeartbeat(): Promise<void> {
    const node: Node = {
      id: this.id,
      name: this.options.name ?? 'Worker',
      startedAt: this.startedAt,
      cpuPercent: this.cpu.sample(),
      lastHeartbeatAt: new Date(),
      queue: nodeQueue(this.id),
      status: await runtimeStatus(this.options.runtime, this.logger),
      hostname: this.options.hostname ?? osHostname(),
      taskCount: this.running.size,
      version: this.options.version,
    };
    if (this.options.port !== undefined) node.port = this.options.port;
    await this.options.broker.publish(QUEUE.heartbeat, { kind: 'node', node });
  }
}
