import type { Logger } from '../logger.js';
import { NotFoundError, UnavailableError, coerceError } from '../errors.js';
import type {
  Broker,
  DeliveryInfo,
  Event,
  EventHandler,
  Message,
  MessageHandler,
  PublishOptions,
  QueueInfo,
  SubscribeOptions,
  Subscription,
} from './broker.js';

export interface InMemoryBrokerOptions {
  logger: Logger;
  /** Deliveries of one message whose handler keeps throwing before it is dropped. @default 5 */
  maxDeliveries?: number;
}

interface Envelope {
  message: Message;
  deliveries: number;
}

interface Consumer {
  handler: MessageHandler;
  concurrency: number;
  inflight: number;
  closed: boolean;
  settled: Set<Promise<void>>;
}

const PRIORITIES = 10;

/**
 * One queue: ten FIFO buckets (priority 9 first). Each bucket is an array with a moving head
 * so taking a message is O(1) without `shift()`.
 */
class MemoryQueue {
  readonly buckets: Envelope[][] = Array.from({ length: PRIORITIES }, () => []);
  readonly heads: number[] = new Array<number>(PRIORITIES).fill(0);
  readonly consumers: Consumer[] = [];
  size = 0;
  unacked = 0;
  next = 0;

  constructor(readonly name: string) {}

  push(envelope: Envelope, priority: number): void {
    this.buckets[priority]!.push(envelope);
    this.size++;
  }

  take(): Envelope | undefined {
    for (let p = PRIORITIES - 1; p >= 0; p--) {
      const bucket = this.buckets[p]!;
      const head = this.heads[p]!;
      if (head < bucket.length) {
        const envelope = bucket[head]!;
        bucket[head] = undefined as unknown as Envelope;
        if (head + 1 === bucket.length) {
          bucket.length = 0;
          this.heads[p] = 0;
        } else {
          this.heads[p] = head + 1;
        }
        this.size--;
        return envelope;
      }
    }
    return undefined;
  }

  /** Round-robin over consumers with a free slot. */
  freeConsumer(): Consumer | undefined {
    const n = this.consumers.length;
    for (let i = 0; i < n; i++) {
      const consumer = this.consumers[(this.next + i) % n]!;
      if (!consumer.closed && consumer.inflight < consumer.concurrency) {
        this.next = (this.next + i + 1) % n;
        return consumer;
      }
    }
    return undefined;
  }
}

interface EventSubscriber {
  pattern: RegExp;
  handler: EventHandler;
}

/**
 * The broker of standalone mode: queues and topics inside one process.
 *
 * Messages are cloned on publish, so a publisher can keep mutating its object; an event is
 * cloned once and shared by its subscribers, which must treat it as read-only. Nothing
 * survives the process: standalone start-up re-queues in-flight work from the datastore.
 */
export class InMemoryBroker implements Broker {
  private readonly queuesByName = new Map<string, MemoryQueue>();
  private readonly eventSubscribers = new Set<EventSubscriber>();
  private readonly logger: Logger;
  private readonly maxDeliveries: number;
  private closed = false;

  constructor(options: InMemoryBrokerOptions) {
    if (!options?.logger) throw new Error('InMemoryBroker: option "logger" is required');
    this.logger = options.logger.child({ component: 'broker' });
    this.maxDeliveries = options.maxDeliveries ?? 5;
  }

  async publish(queue: string, message: Message, options: PublishOptions = {}): Promise<void> {
    this.assertOpen();
    const priority = Math.min(PRIORITIES - 1, Math.max(0, Math.trunc(options.priority ?? 0)));
    const q = this.queue(queue);
    q.push({ message: structuredClone(message), deliveries: 0 }, priority);
    this.dispatch(q);
  }

  async subscribe(queue: string, handler: MessageHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    this.assertOpen();
    const q = this.queue(queue);
    const consumer: Consumer = {
      handler,
      concurrency: Math.max(1, options.concurrency ?? 1),
      inflight: 0,
      closed: false,
      settled: new Set(),
    };
    q.consumers.push(consumer);
    this.dispatch(q);
    return {
      close: async () => {
        consumer.closed = true;
        const index = q.consumers.indexOf(consumer);
        if (index >= 0) q.consumers.splice(index, 1);
        await Promise.allSettled([...consumer.settled]);
      },
    };
  }

  async publishEvent(topic: string, event: Event): Promise<void> {
    this.assertOpen();
    // One copy for all subscribers (handlers must not mutate an event): with a few waiting
    // `POST /jobs?wait` requests and the UI hub listening, a copy each costs more than the rest
    // of the publish.
    let copy: Event | undefined;
    for (const subscriber of this.eventSubscribers) {
      if (!subscriber.pattern.test(topic)) continue;
      copy ??= structuredClone(event);
      const shared = copy;
      // Event handlers run detached from the publisher: a slow webhook must not hold a handler.
      queueMicrotask(() => {
        Promise.resolve()
          .then(() => subscriber.handler(topic, shared))
          .catch((err: unknown) => this.logger.error({ err: coerceError(err), topic }, 'event handler failed'));
      });
    }
  }

  async subscribeEvents(pattern: string, handler: EventHandler): Promise<Subscription> {
    this.assertOpen();
    const subscriber: EventSubscriber = { pattern: patternToRegExp(pattern), handler };
    this.eventSubscribers.add(subscriber);
    return {
      close: async () => {
        this.eventSubscribers.delete(subscriber);
      },
    };
  }

  async queues(): Promise<QueueInfo[]> {
    return [...this.queuesByName.values()].map(toInfo);
  }

  async queueInfo(name: string): Promise<QueueInfo> {
    const q = this.queuesByName.get(name);
    if (!q) throw new NotFoundError(`queue ${name} not found`);
    return toInfo(q);
  }

  async deleteQueue(name: string): Promise<void> {
    const q = this.queuesByName.get(name);
    if (!q) throw new NotFoundError(`queue ${name} not found`);
    // Drop waiting messages but keep the subscriptions: unlike Tork, consumers stay attached.
    while (q.take()) {
      /* drain */
    }
  }

  async healthCheck(): Promise<void> {
    if (this.closed) throw new UnavailableError('broker is terminated');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pending: Promise<void>[] = [];
    for (const q of this.queuesByName.values()) {
      for (const consumer of q.consumers) {
        consumer.closed = true;
        pending.push(...consumer.settled);
      }
    }
    this.eventSubscribers.clear();
    await Promise.allSettled(pending);
  }

  private assertOpen(): void {
    if (this.closed) throw new UnavailableError('broker is terminated');
  }

  private queue(name: string): MemoryQueue {
    let q = this.queuesByName.get(name);
    if (!q) {
      q = new MemoryQueue(name);
      this.queuesByName.set(name, q);
    }
    return q;
  }

  private dispatch(q: MemoryQueue): void {
    while (q.size > 0 && !this.closed) {
      const consumer = q.freeConsumer();
      if (!consumer) return;
      const envelope = q.take()!;
      this.deliver(q, consumer, envelope);
    }
  }

  private deliver(q: MemoryQueue, consumer: Consumer, envelope: Envelope): void {
    consumer.inflight++;
    q.unacked++;
    envelope.deliveries++;
    const info: DeliveryInfo = { redelivered: envelope.deliveries > 1 };
    const run = (async () => {
      try {
        await consumer.handler(envelope.message, info);
      } catch (err) {
        this.handleFailure(q, envelope, err);
      } finally {
        consumer.inflight--;
        q.unacked--;
      }
    })();
    consumer.settled.add(run);
    void run.then(() => {
      consumer.settled.delete(run);
      this.dispatch(q);
    });
  }

  private handleFailure(q: MemoryQueue, envelope: Envelope, err: unknown): void {
    const error = coerceError(err);
    if (envelope.deliveries >= this.maxDeliveries || this.closed) {
      this.logger.error({ err: error, queue: q.name, deliveries: envelope.deliveries }, 'message dropped after repeated handler failures');
      return;
    }
    this.logger.warn({ err: error, queue: q.name, deliveries: envelope.deliveries }, 'handler failed; message redelivered');
    q.push(envelope, 0);
  }
}

function toInfo(q: MemoryQueue): QueueInfo {
  return { name: q.name, size: q.size, subscribers: q.consumers.length, unacked: q.unacked };
}

function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*');
  return new RegExp(`^${escaped}$`);
}
