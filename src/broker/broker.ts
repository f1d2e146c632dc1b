import type { Job } from '../model/job.js';
import type { TaskLogPart } from '../model/log-part.js';
import type { Node } from '../model/node.js';
import type { ScheduledJob } from '../model/scheduled-job.js';
import type { Task } from '../model/task.js';

/** Queues the coordinator consumes. Their names are Tork's and are spelled only here. */
export const COORDINATOR_QUEUES = [
  'pending',
  'started',
  'completed',
  'error',
  'heartbeat',
  'jobs',
  'logs',
  'progress',
  'redeliveries',
] as const;
export type CoordinatorQueue = (typeof COORDINATOR_QUEUES)[number];

export const QUEUE = Object.fromEntries(COORDINATOR_QUEUES.map((q) => [q, q])) as {
  readonly [K in CoordinatorQueue]: K;
};

/** The task queue used when a task names none. */
export const DEFAULT_QUEUE = 'default';
/** Prefix of each node's private (exclusive) queue. */
export const EXCLUSIVE_PREFIX = 'x-';

export function isCoordinatorQueue(name: string): boolean {
  return (COORDINATOR_QUEUES as readonly string[]).includes(name);
}

/** A queue a worker may consume and a task may name: not a coordinator queue, not `x-…`. */
export function isTaskQueue(name: string): boolean {
  return !isCoordinatorQueue(name) && !name.startsWith(EXCLUSIVE_PREFIX);
}

export function nodeQueue(nodeId: string): string {
  return `${EXCLUSIVE_PREFIX}${nodeId}`;
}

/** Event topics. Subscribers use patterns where `*` matches any run of characters. */
export const TOPIC = {
  jobCompleted: 'job.completed',
  jobFailed: 'job.failed',
  jobCancelled: 'job.cancelled',
  jobStateChange: 'job.state',
  taskStateChange: 'task.state',
  scheduledJob: 'scheduled.job',
} as const;

/**
 * A message on a queue. Queues carry model objects; the in-memory broker clones them, the
 * RabbitMQ broker encodes them as Tork's JSON.
 */
export type Message =
  | { kind: 'task'; task: Task }
  | { kind: 'job'; job: Job; /** RESTART travels here; the job keeps its stored state. */ restart?: boolean }
  | { kind: 'node'; node: Node }
  | { kind: 'log'; part: TaskLogPart };

/** An event on a topic. */
export type Event =
  | { kind: 'job'; job: Job }
  | { kind: 'task'; task: Task }
  | { kind: 'scheduled-job'; scheduledJob: ScheduledJob };

export interface QueueInfo {
  name: string;
  /** Messages waiting. */
  size: number;
  subscribers: number;
  /** Delivered, not yet acknowledged. */
  unacked: number;
}

export interface DeliveryInfo {
  /** True when the broker delivered this message before (a consumer died while holding it). */
  redelivered: boolean;
  /**
   * Set on a task a broker moved to `redeliveries` because the handlers of `queue` kept failing
   * on it (`error` is the last failure): the coordinator fails the task instead of retrying.
   */
  failure?: { queue: string; error: string };
}

export type MessageHandler = (message: Message, info: DeliveryInfo) => Promise<void>;
export type EventHandler = (topic: string, event: Event) => Promise<void> | void;

export interface PublishOptions {
  /** 0–9; higher is delivered first where the broker supports it. */
  priority?: number;
}

export interface SubscribeOptions {
  /** How many messages this subscription handles at once. @default 1 */
  concurrency?: number;
}

export interface Subscription {
  /** Stop receiving; waits for the handlers that are running to settle. */
  close(): Promise<void>;
}

/**
 * Carries messages between the API, coordinators and workers.
 *
 * Guarantees:
 * - at-least-once delivery: a message can arrive twice or late, so handlers are idempotent;
 * - a message is acknowledged only after its handler settles; a handler that throws has its
 *   message redelivered a bounded number of times, then dropped with an error log;
 * - within one queue, higher `priority` first, then first in first out;
 * - every subscriber of a matching topic pattern receives every event (fan-out).
 *
 * Non-goals: ordering across queues; exactly-once delivery; persistence in the in-memory
 * implementation (standalone mode re-queues in-flight work from the datastore at start-up).
 */
export interface Broker {
  publish(queue: string, message: Message, options?: PublishOptions): Promise<void>;
  subscribe(queue: string, handler: MessageHandler, options?: SubscribeOptions): Promise<Subscription>;
  publishEvent(topic: string, event: Event): Promise<void>;
  /** `pattern` may contain `*` (any run of characters). */
  subscribeEvents(pattern: string, handler: EventHandler): Promise<Subscription>;
  queues(): Promise<QueueInfo[]>;
  /** Throws NotFoundError for an unknown queue. */
  queueInfo(name: string): Promise<QueueInfo>;
  /** Throws NotFoundError for an unknown queue. */
  deleteQueue(name: string): Promise<void>;
  healthCheck(): Promise<void>;
  close(): Promise<void>;
}
