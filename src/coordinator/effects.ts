import type { Broker, Event, Message, PublishOptions } from '../broker/broker.js';
import { QUEUE, TOPIC, nodeQueue } from '../broker/broker.js';
import type { Job } from '../model/job.js';
import type { Task } from '../model/task.js';
import { isJobTerminal } from '../model/states.js';
import type { HandlerDeps } from './deps.js';
import type { CoordinatorMetrics } from './metrics.js';

type Action = (broker: Broker) => Promise<void>;

/**
 * Settles once the events a run holds back (see `Effects.run`), and those queued behind them,
 * have been sent; undefined when none are held.
 */
let heldEvents: Promise<void> | undefined;

function endOfTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * What a handler wants published once its transaction has committed. Handlers collect
 * effects inside the transaction and run them after it returns, so that nothing is ever
 * published for a change that rolled back ("publish after commit").
 */
export class Effects {
  /** Messages for queues (work for a worker or a coordinator), then events for observers. */
  private readonly actions: Action[] = [];
  private readonly events: Action[] = [];
  /** Tasks to hand to the pending handler in this process instead of a broker hop. */
  readonly pendingTasks: Task[] = [];
  /** Tasks whose retry waits (ms) before it is published to `pending`. */
  readonly delayedTasks: Array<{ task: Task; delayMs: number }> = [];

  publish(queue: string, message: Message, options?: PublishOptions): void {
    this.actions.push((broker) => broker.publish(queue, message, options));
  }

  event(topic: string, event: Event): void {
    this.events.push((broker) => broker.publishEvent(topic, event));
  }

  /** What to count once committed (`run`). */
  private readonly observations: Array<(metrics: CoordinatorMetrics) => void> = [];

  /** Job and task changes for the webhook outbox, written inside the same transaction. */
  readonly changes: Array<{ event: 'job.StateChange' | 'job.Progress'; job: Job } | { event: 'task.StateChange' | 'task.Progress'; task: Task }> = [];

  /** Jobs that reached a terminal state, for `HandlerDeps.jobEnded`. */
  private readonly ended: Job[] = [];

  /** Announce a job's new state on `job.<state>` (wait-mode submits, webhooks, live UIs). */
  jobState(job: Job): void {
    this.event(`job.${job.state.toLowerCase()}`, { kind: 'job', job });
    if (isJobTerminal(job.state)) this.ended.push(job);
    this.changes.push({ event: 'job.StateChange', job });
    this.observations.push((m) => m.jobChanged(job));
  }

  jobProgress(job: Job): void {
    this.event('job.progress', { kind: 'job', job });
    this.changes.push({ event: 'job.Progress', job });
  }

  taskState(task: Task): void {
    if (task.state) this.event(`task.${task.state.toLowerCase()}`, { kind: 'task', task });
    this.changes.push({ event: 'task.StateChange', task });
    this.observations.push((m) => m.taskChanged(task));
  }

  /** A task was cancelled (counted only: Tork sends no task webhook for cancellations). */
  taskCancelled(task: Task): void {
    this.observations.push((m) => m.taskChanged(task));
  }

  /** A failed task gets another attempt. */
  taskRetried(): void {
    this.observations.push((m) => m.taskRetried());
  }

  taskProgress(task: Task): void {
    this.event('task.progress', { kind: 'task', task });
    this.changes.push({ event: 'task.Progress', task });
  }

  pending(task: Task, delayMs = 0): void {
    if (delayMs > 0) this.delayedTasks.push({ task, delayMs });
    else this.pendingTasks.push(task);
  }

  /** Ask the worker running a task to stop it. */
  cancelOnNode(task: Task): void {
    if (task.nodeId) this.publish(nodeQueue(task.nodeId), { kind: 'task', task: { ...task, state: 'CANCELLED' } });
  }

  /** Cancel another job (an attached sub-job, or the parent of one). */
  cancelJob(job: Job): void {
    this.publish(QUEUE.jobs, { kind: 'job', job: { ...job, state: 'CANCELLED' } });
  }

  /** Restart another job (the sub-job of a subjob task that resumes). */
  restartJob(job: Job): void {
    this.publish(QUEUE.jobs, { kind: 'job', job, restart: true });
  }

  /**
   * Publish what was collected, and count it. Call only after the transaction committed.
   *
   * The publishes start together, queue messages first, then events, each kind in the order
   * collected (each channel keeps it), rather than each after the confirmation of the one before:
   * a task sent to a worker does not wait behind the events of its scheduling, nor an event for
   * RabbitMQ to write a task to disk. Nothing orders events against queue messages: they go to
   * different consumers.
   * A waiting `POST /jobs` of this process hears of its job's end at once (`jobEnded`), before
   * the event has gone through the broker and back. It then reads the job for its answer: the
   * events are held until the end of this turn of the event loop, so that read is on its way to
   * the datastore first, and encoding and sending them (half a millisecond for a job's last task
   * on RabbitMQ) overlaps it instead of coming before it. The events of the runs that commit
   * meanwhile go after the held ones (`heldEvents`), so events keep the order of their commits.
   */
  async run(deps: Pick<HandlerDeps, 'broker' | 'metrics' | 'jobEnded'>): Promise<void> {
    for (const observe of this.observations.splice(0)) observe(deps.metrics);
    let told = false;
    for (const job of this.ended.splice(0)) told = (deps.jobEnded?.(job) ?? false) || told;
    const sending = this.actions.map((action) => action(deps.broker));
    const publish = (): Promise<unknown> => Promise.all(this.events.map((action) => action(deps.broker)));
    const hold = told && this.events.length > 0;
    if (!hold && !heldEvents) {
      await Promise.all([...sending, publish()]);
      return;
    }
    const published = Promise.all([heldEvents, hold ? endOfTurn() : undefined]).then(publish);
    const gate = (heldEvents = published.then(
      () => undefined,
      () => undefined,
    ));
    void gate.then(() => {
      if (heldEvents === gate) heldEvents = undefined;
    });
    await Promise.all([...sending, published]);
  }
}

export { TOPIC };
