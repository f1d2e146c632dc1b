import { UnavailableError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type {
  Broker,
  Event,
  EventHandler,
  Message,
  MessageHandler,
  PublishOptions,
  QueueInfo,
  SubscribeOptions,
  Subscription,
} from '../broker.js';
import { encodeEvent, encodeMessage } from './codec.js';
import { AmqpConnection } from './connection.js';
import { QueueConsumer } from './consumer.js';
import { Declarer } from './declarer.js';
import { EventConsumer } from './events.js';
import { ManagementApi } from './management.js';
import { Publisher } from './publisher.js';
import { MAX_PRIORITY, isExclusiveQueue, type TopologySettings } from './topology.js';

/** Up to this many queues, a listing asks RabbitMQ for each one's exact figures. */
const EXACT_LIST_LIMIT = 200;

export interface RabbitMqBrokerOptions {
  /** `amqp://user:pass@host:5672/vhost`. */
  url: string;
  logger: Logger;
  /** The management API, for queue lists and unacked counts. @default http://<url's host>:15672 */
  managementUrl?: string;
  /** Durable queues and persistent messages: both survive a broker restart. @default true */
  durableQueues?: boolean;
  /** @default 'classic' */
  queueType?: 'classic' | 'quorum';
  /** RabbitMQ's per-delivery ack timeout (`x-consumer-timeout`). @default 1800000 (30 min) */
  consumerTimeoutMs?: number;
  /** Handler runs of one message before it is dead-lettered. @default 5 */
  maxDeliveries?: number;
  /** First wait before a failed message is handled again; doubles each time. @default 200 */
  retryDelayMs?: number;
  /** How long a publish waits for a lost connection to come back before failing. @default 60000 */
  publishTimeoutMs?: number;
  /** Prefix of the connection names shown by RabbitMQ. @default 'drover' */
  connectionName?: string;
  /** Connection attempts at start-up before giving up. @default 6 */
  initialAttempts?: number;
}

/**
 * The broker of distributed mode, on RabbitMQ (amqplib). Queues are Tork's, declared on first use
 * (see `topology.ts`); bodies are Tork's JSON (see `codec.ts`).
 *
 * Two connections, one to publish and one to consume, so that RabbitMQ's flow control on
 * publishers never holds up acknowledgements. Both reconnect by themselves; every subscription
 * then opens a new channel and consumes again (see `QueueConsumer`). Publishes wait for the
 * connection to come back (up to `publishTimeoutMs`) and are confirmed by RabbitMQ.
 */
export class RabbitMqBroker implements Broker {
  private readonly consumers = new Set<QueueConsumer>();
  private readonly eventConsumers = new Set<EventConsumer>();
  private readonly used = new Set<string>();
  private closed = false;

  private constructor(
    private readonly options: RabbitMqBrokerOptions,
    private readonly logger: Logger,
    private readonly publishing: AmqpConnection,
    private readonly consuming: AmqpConnection,
    private readonly publisher: Publisher,
    private readonly publisherDeclarer: Declarer,
    private readonly consumerDeclarer: Declarer,
    private readonly management: ManagementApi,
  ) {}

  static async connect(options: RabbitMqBrokerOptions): Promise<RabbitMqBroker> {
    if (!options?.url) throw new Error('RabbitMqBroker: option "url" is required');
    if (!options.logger) throw new Error('RabbitMqBroker: option "logger" is required');
    const logger = options.logger.child({ component: 'broker' });
    const settings: TopologySettings = {
      durable: options.durableQueues ?? true,
      queueType: options.queueType ?? 'classic',
      consumerTimeoutMs: options.consumerTimeoutMs ?? 30 * 60_000,
    };
    const name = options.connectionName ?? 'drover';
    const common = { url: options.url, logger, initialAttempts: options.initialAttempts };
    const publishing = await AmqpConnection.open({ ...common, name: `${name}-publish` });
    let consuming: AmqpConnection;
    try {
      consuming = await AmqpConnection.open({ ...common, name: `${name}-consume` });
    } catch (err) {
      await publishing.close();
      throw err;
    }
    const publisherDeclarer = new Declarer(publishing, settings, logger);
    const publisher = new Publisher(publishing, publisherDeclarer, logger, options.publishTimeoutMs ?? 60_000);
    const management = new ManagementApi({
      baseUrl: options.managementUrl ?? `http://${new URL(options.url).hostname}:15672`,
      amqpUrl: options.url,
      logger,
    });
    logger.info({ connection: name }, 'connected to RabbitMQ');
    return new RabbitMqBroker(
      { ...options, durableQueues: settings.durable },
      logger,
      publishing,
      consuming,
      publisher,
      publisherDeclarer,
      new Declarer(consuming, settings, logger),
      management,
    );
  }

  async publish(queue: string, message: Message, options: PublishOptions = {}): Promise<void> {
    this.assertOpen();
    this.used.add(queue);
    const priority = Math.min(MAX_PRIORITY, Math.max(0, Math.trunc(options.priority ?? 0)));
    await this.publisher.send(queue, encodeMessage(message), { priority, persistent: !!this.options.durableQueues });
  }

  async subscribe(queue: string, handler: MessageHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    this.assertOpen();
    this.used.add(queue);
    const consumer = new QueueConsumer(
      {
        connection: this.consuming,
        declarer: this.consumerDeclarer,
        publisher: this.publisher,
        logger: this.logger,
        maxDeliveries: this.options.maxDeliveries ?? 5,
        retryDelayMs: this.options.retryDelayMs ?? 200,
        persistent: !!this.options.durableQueues,
        refusalLogIntervalMs: 60_000,
      },
      queue,
      handler,
      Math.max(1, options.concurrency ?? 1),
    );
    await consumer.start();
    this.consumers.add(consumer);
    return {
      close: async () => {
        this.consumers.delete(consumer);
        await consumer.close();
      },
    };
  }

  async publishEvent(topic: string, event: Event): Promise<void> {
    this.assertOpen();
    await this.publisher.sendEvent(topic, encodeEvent(event));
  }

  async subscribeEvents(pattern: string, handler: EventHandler): Promise<Subscription> {
    this.assertOpen();
    const consumer = new EventConsumer(this.consuming, this.consumerDeclarer, this.logger, pattern, handler);
    await consumer.start();
    this.eventConsumers.add(consumer);
    return {
      close: async () => {
        this.eventConsumers.delete(consumer);
        await consumer.close();
      },
    };
  }

  /**
   * Every queue of the virtual host from the management API, plus the queues this node uses
   * that the API does not list yet. Sizes and subscribers are asked over AMQP (exact; the API's
   * statistics lag a few seconds), unacked counts come from the API.
   */
  async queues(): Promise<QueueInfo[]> {
    this.assertOpen();
    const listed = (await this.management.listQueues()) ?? [];
    const managed = new Map(listed.map((q) => [q.name, q]));
    const names = [...new Set([...managed.keys(), ...this.used])];
    const exact = names.length <= EXACT_LIST_LIMIT;
    const infos = await Promise.all(
      names.map(async (name): Promise<QueueInfo | undefined> => {
        const known = managed.get(name);
        // Another node's private queue cannot be asked about over AMQP (it is exclusive).
        if ((known && !exact) || (isExclusiveQueue(name) && !this.owns(name))) return known;
        const checked = await this.consumerDeclarer.check(name).catch(() => undefined);
        if (!checked) return known;
        const unacked = Math.max(known?.unacked ?? 0, this.localUnacked(name));
        return { name, size: checked.messageCount, subscribers: checked.consumerCount, unacked };
      }),
    );
    return infos
      .filter((q): q is QueueInfo => q !== undefined)
      .map((q) => ({ name: q.name, size: q.size, subscribers: q.subscribers, unacked: q.unacked }));
  }

  /**
   * Size and subscribers from AMQP (exact). Unacked: the management API's cluster-wide figure
   * (a few seconds late) or this node's own count, whichever is higher.
   */
  async queueInfo(name: string): Promise<QueueInfo> {
    this.assertOpen();
    const checked = await this.consumerDeclarer.check(name);
    const managed = await this.management.getQueue(name);
    const unacked = Math.max(managed?.unacked ?? 0, this.localUnacked(name));
    return { name, size: checked.messageCount, subscribers: checked.consumerCount, unacked };
  }

  /**
   * Drop the waiting messages. A queue that still has consumers is purged, so that they stay
   * attached (as with the in-memory broker); one without is deleted.
   */
  async deleteQueue(name: string): Promise<void> {
    this.assertOpen();
    const checked = await this.consumerDeclarer.check(name);
    if (checked.consumerCount > 0) {
      await this.consumerDeclarer.purge(name);
    } else {
      await this.consumerDeclarer.delete(name);
      this.publisherDeclarer.forget(name);
      this.used.delete(name);
    }
  }

  async healthCheck(): Promise<void> {
    if (this.closed) throw new UnavailableError('broker is terminated');
    if (!this.publishing.isConnected || !this.consuming.isConnected) {
      throw new UnavailableError('broker is disconnected from RabbitMQ');
    }
  }

  /** Stop consuming (running handlers finish and are acknowledged), then disconnect. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.consumers].map((c) => c.close()));
    await Promise.allSettled([...this.eventConsumers].map((c) => c.close()));
    this.consumers.clear();
    this.eventConsumers.clear();
    this.publisher.close();
    await this.consuming.close();
    await this.publishing.close();
  }

  /** Whether this node consumes `queue` (its own exclusive queues can be checked over AMQP). */
  private owns(queue: string): boolean {
    return [...this.consumers].some((c) => c.queue === queue);
  }

  private localUnacked(queue: string): number {
    let n = 0;
    for (const consumer of this.consumers) if (consumer.queue === queue) n += consumer.unacked;
    return n;
  }

  private assertOpen(): void {
    if (this.closed) throw new UnavailableError('broker is terminated');
  }
}

