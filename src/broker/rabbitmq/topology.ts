/**
 * Which queues exist and how they are declared on RabbitMQ. The names are Tork's (engine spec
 * §5.1); the arguments are Tork's too (§5.4), so that a queue declared by either one can be used
 * by the other, except that Drover declares queues durable by default.
 */
import { EXCLUSIVE_PREFIX, QUEUE, isCoordinatorQueue } from '../broker.js';

/** Where messages go that no handler could take: poison non-task messages, refused protocols. */
export const PARKING_QUEUE = 'dead-letters';
/** Events go to this (built-in) topic exchange, routing key = topic. */
export const EVENTS_EXCHANGE = 'amq.topic';
/** Heartbeats older than this are useless; RabbitMQ drops them (Tork's TTL). */
const HEARTBEAT_TTL_MS = 60_000;
/** Highest task priority; RabbitMQ keeps one sub-queue per level on classic queues. */
export const MAX_PRIORITY = 9;

export interface TopologySettings {
  /** Queues survive a broker restart, messages are persistent. */
  durable: boolean;
  queueType: 'classic' | 'quorum';
  /** RabbitMQ's ack timeout per delivery (`x-consumer-timeout`, honoured by RabbitMQ ≥ 3.12). */
  consumerTimeoutMs: number;
}

/** What `assertQueue` is called with for a queue name. */
export interface QueueDeclaration {
  durable: boolean;
  exclusive: boolean;
  autoDelete: boolean;
  arguments: Record<string, unknown>;
}

export function isExclusiveQueue(name: string): boolean {
  return name.startsWith(EXCLUSIVE_PREFIX);
}

export function declarationOf(name: string, settings: TopologySettings): QueueDeclaration {
  if (isExclusiveQueue(name)) {
    // A node's own queue (cancellations, event subscriptions): gone with its connection.
    return { durable: false, exclusive: true, autoDelete: true, arguments: {} };
  }
  const quorum = settings.queueType === 'quorum';
  const args: Record<string, unknown> = {
    'x-queue-type': settings.queueType,
    'x-consumer-timeout': settings.consumerTimeoutMs,
  };
  if (name === QUEUE.heartbeat) args['x-message-ttl'] = HEARTBEAT_TTL_MS;
  // Quorum queues have no priority levels (before RabbitMQ 4.0).
  if (!quorum && !isCoordinatorQueue(name) && name !== PARKING_QUEUE) args['x-max-priority'] = MAX_PRIORITY;
  const durable = settings.durable || quorum || name === PARKING_QUEUE;
  return { durable, exclusive: false, autoDelete: false, arguments: args };
}

/**
 * An event pattern as an AMQP topic binding. Tork's patterns use `*` for "anything"; AMQP's `*`
 * is one word, so a word holding `*` becomes `#` (any words) and the subscriber filters the
 * topics it receives with the exact pattern (`patternMatcher`).
 */
export function bindingKeyOf(pattern: string): string {
  return pattern
    .split('.')
    .map((word) => (word.includes('*') ? '#' : word))
    .join('.');
}

/** The in-memory broker's matching rule: `*` is any run of characters. */
export function patternMatcher(pattern: string): (topic: string) => boolean {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*');
  const regex = new RegExp(`^${escaped}$`);
  return (topic) => regex.test(topic);
}
