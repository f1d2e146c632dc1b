import type { Channel, ConsumeMessage } from 'amqplib';
import { delay } from '../../async.js';
import { UnavailableError, coerceError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { QUEUE, isTaskQueue, type DeliveryInfo, type Message, type MessageHandler } from '../broker.js';
import {
  HEADER,
  PROTOCOL_VERSION,
  decodeMessage,
  describeSender,
  isTaskType,
  protocolOf,
  stringHeader,
} from './codec.js';
import type { AmqpConnection } from './connection.js';
import type { Declarer } from './declarer.js';
import type { Publisher } from './publisher.js';
import { PARKING_QUEUE } from './topology.js';

/** What every consumer of one broker shares. */
export interface ConsumerContext {
  connection: AmqpConnection;
  declarer: Declarer;
  publisher: Publisher;
  logger: Logger;
  /** Handler runs of one message before it is dead-lettered. */
  maxDeliveries: number;
  /** Wait before the n-th retry: `retryDelayMs × 2^(n−1)`. */
  retryDelayMs: number;
  persistent: boolean;
  /** Log a refused message at most once per this long per queue. */
  refusalLogIntervalMs: number;
}

interface Delivery {
  message: ConsumeMessage;
  channel: Channel;
}

/** Longest wait between two tries of a message whose handler hit an outage. */
const MAX_OUTAGE_DELAY_MS = 5000;

/** Messages a coordinator queue's consumer holds beyond those its handlers are running. */
export const PREFETCH_HEADROOM = 8;

/**
 * How many unacknowledged messages RabbitMQ may hand one consumer. A task queue's consumer gets
 * no more than it runs at once: a task waiting on a busy worker could run on an idle one. On the
 * other queues (the coordinator's), a few more wait in `waiting`, so that a handler that
 * settles starts on the next message at once instead of after an ack → delivery round trip to
 * RabbitMQ; they go back to the queue if the channel closes, as any unacknowledged message does.
 */
export function prefetchOf(queue: string, concurrency: number): number {
  return isTaskQueue(queue) ? concurrency : concurrency + PREFETCH_HEADROOM;
}

function headerOf({ message }: Delivery, name: string): unknown {
  return (message.properties.headers as Record<string, unknown> | undefined)?.[name];
}

/**
 * One subscription on one queue, on a channel of its own (prefetch: see `prefetchOf`). A
 * message is acknowledged after its handler settles. After the channel or the connection
 * drops, it opens a new channel and consumes again; deliveries held on the old channel were
 * returned to the queue by RabbitMQ, so their late acks are skipped, and handlers still running
 * from before count against the concurrency of the new channel.
 *
 * What happens to a delivery, in order:
 * 1. from a node of another protocol version: parked in `dead-letters`, with an error log;
 * 2. a task that RabbitMQ redelivers on a task queue (its first consumer died or timed out):
 *    forwarded to `redeliveries`, where the coordinator decides whether it must run again;
 * 3. otherwise handed to the handler. A handler that throws gets the message again (a copy with
 *    an attempt count, after a backoff) up to `maxDeliveries` runs; then a task goes to
 *    `redeliveries` marked as failed (the coordinator fails the task with the error) and
 *    anything else is parked. Nothing loops forever.
 */
export class QueueConsumer {
  private channel: Channel | undefined;
  private consumerTag: string | undefined;
  private inflight = 0;
  private readonly waiting: Delivery[] = [];
  private readonly running = new Set<Promise<void>>();
  private closed = false;
  private started = false;
  private reopening = false;
  private lastRefusalLog = 0;

  constructor(
    private readonly ctx: ConsumerContext,
    readonly queue: string,
    private readonly handler: MessageHandler,
    private readonly concurrency: number,
  ) {}

  /** Delivered to this process and not settled yet. */
  get unacked(): number {
    return this.inflight + this.waiting.length;
  }

  async start(): Promise<void> {
    await this.openChannel();
    this.started = true;
  }

  /** Stop consuming; waits for running handlers; undelivered prefetched messages go back to the queue. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const channel = this.channel;
    if (channel && this.consumerTag) await channel.cancel(this.consumerTag).catch(() => undefined);
    this.waiting.length = 0;
    await Promise.allSettled([...this.running]);
    await channel?.close().catch(() => undefined);
    this.channel = undefined;
  }

  private async openChannel(): Promise<void> {
    const channel = await this.ctx.connection.channel();
    channel.on('close', () => this.channelLost(channel));
    try {
      await this.ctx.declarer.declare(this.queue);
      await channel.prefetch(prefetchOf(this.queue, this.concurrency));
      this.channel = channel;
      const { consumerTag } = await channel.consume(this.queue, (message) => {
        if (message) this.arrive({ message, channel });
        // A null message is RabbitMQ cancelling the consumer (the queue was deleted): start over.
        else void channel.close().catch(() => undefined);
      });
      this.consumerTag = consumerTag;
    } catch (err) {
      await channel.close().catch(() => undefined);
      throw err;
    }
    if (this.closed) await channel.close().catch(() => undefined);
  }

  private channelLost(channel: Channel): void {
    if (this.channel !== channel) return;
    this.channel = undefined;
    this.consumerTag = undefined;
    this.ctx.declarer.forget(this.queue);
    if (this.closed || !this.started || this.reopening) return;
    void this.reopen();
  }

  private async reopen(): Promise<void> {
    this.reopening = true;
    try {
      for (let attempt = 1; !this.closed; attempt++) {
        try {
          await this.openChannel();
          this.ctx.logger.info({ queue: this.queue }, 'consumer resubscribed');
          return;
        } catch (err) {
          if (this.closed) return;
          this.ctx.logger.debug({ queue: this.queue, attempt, err: coerceError(err) }, 'resubscribe failed; retrying');
          await delay(Math.min(5000, 100 * 2 ** Math.min(attempt, 6)));
        }
      }
    } finally {
      this.reopening = false;
    }
  }

  private arrive(delivery: Delivery): void {
    if (this.closed) return;
    if (this.isRedeliveredTask(delivery)) {
      // Forwarding runs no handler, so it takes no slot: a handler still running from before a
      // reconnection (often this very task) must not hold its own redelivery back.
      const run = this.forward(delivery, QUEUE.redeliveries, {}).then(() => {
        this.running.delete(run);
        this.ctx.logger.debug({ queue: this.queue }, 'redelivered task forwarded to the coordinator');
      });
      this.running.add(run);
      return;
    }
    this.waiting.push(delivery);
    this.pump();
  }

  private isRedeliveredTask({ message }: Delivery): boolean {
    const headers = (message.properties.headers ?? {}) as Record<string, unknown>;
    const protocol = protocolOf(headers);
    return (
      message.fields.redelivered &&
      isTaskQueue(this.queue) &&
      isTaskType(message.properties.type) &&
      (protocol === undefined || protocol === PROTOCOL_VERSION)
    );
  }

  private pump(): void {
    while (this.inflight < this.concurrency && this.waiting.length > 0) {
      const delivery = this.waiting.shift()!;
      // Held on a channel that is gone: RabbitMQ has put it back in the queue already.
      if (delivery.channel !== this.channel) continue;
      this.inflight++;
      const run = this.process(delivery).finally(() => {
        this.inflight--;
        this.running.delete(run);
        this.pump();
      });
      this.running.add(run);
    }
  }

  private async process(delivery: Delivery): Promise<void> {
    const { message } = delivery;
    const headers = (message.properties.headers ?? {}) as Record<string, unknown>;
    const type: unknown = message.properties.type;
    const protocol = protocolOf(headers);
    if (protocol !== undefined && protocol !== PROTOCOL_VERSION) {
      this.logRefusal(protocol, describeSender(message.content, type));
      await this.park(delivery, `protocol ${protocol} refused by a node speaking protocol ${PROTOCOL_VERSION}`);
      return;
    }
    let decoded: Message;
    try {
      decoded = decodeMessage(message.content, type, headers);
    } catch (err) {
      this.ctx.logger.error({ queue: this.queue, err: coerceError(err) }, 'undecodable message parked');
      await this.park(delivery, `undecodable: ${coerceError(err).message}`);
      return;
    }
    const attempts = Number(headers[HEADER.attempts] ?? 0) || 0;
    const again = attempts > 0 || Number(headers[HEADER.outages] ?? 0) > 0;
    const info: DeliveryInfo = { redelivered: message.fields.redelivered || again };
    const failedQueue = stringHeader(headers[HEADER.failedQueue]);
    if (failedQueue !== undefined) {
      info.failure = { queue: failedQueue, error: stringHeader(headers[HEADER.failedError]) ?? 'unknown error' };
    }
    try {
      await this.handler(decoded, info);
      this.ack(delivery);
    } catch (err) {
      await this.handlerFailed(delivery, attempts + 1, coerceError(err));
    }
  }

  private async handlerFailed(delivery: Delivery, runs: number, error: Error): Promise<void> {
    const { logger, maxDeliveries, retryDelayMs } = this.ctx;
    if (this.closed) {
      this.nack(delivery);
      return;
    }
    if (error instanceof UnavailableError) {
      // An outage (datastore or broker unreachable) is not the message's fault: it waits, with
      // a capped back-off, as long as the outage lasts, and never counts towards dead-lettering.
      const outages = Number(headerOf(delivery, HEADER.outages) ?? 0) || 0;
      logger.warn({ queue: this.queue, outages: outages + 1, err: error }, 'handler could not reach a service; message kept');
      await delay(Math.min(MAX_OUTAGE_DELAY_MS, retryDelayMs * 2 ** Math.min(outages, 10)));
      await this.forward(delivery, this.queue, { [HEADER.outages]: outages + 1, [HEADER.attempts]: runs - 1 });
      return;
    }
    if (runs < maxDeliveries) {
      logger.warn({ queue: this.queue, runs, err: error }, 'handler failed; message redelivered');
      await delay(retryDelayMs * 2 ** (runs - 1));
      await this.forward(delivery, this.queue, { [HEADER.attempts]: runs });
      return;
    }
    const failure = { [HEADER.failedQueue]: this.queue, [HEADER.failedError]: error.message.slice(0, 1000) };
    if (isTaskType(delivery.message.properties.type) && this.queue !== QUEUE.redeliveries) {
      logger.error({ queue: this.queue, runs, err: error }, 'task message failed too often; its task fails');
      await this.forward(delivery, QUEUE.redeliveries, failure);
      return;
    }
    logger.error({ queue: this.queue, runs, err: error }, 'message failed too often; parked in dead-letters');
    await this.forward(delivery, PARKING_QUEUE, { ...failure, [HEADER.parkedReason]: 'failed too often' });
  }

  private park(delivery: Delivery, reason: string): Promise<void> {
    return this.forward(delivery, PARKING_QUEUE, { [HEADER.failedQueue]: this.queue, [HEADER.parkedReason]: reason });
  }

  /** Publish a copy elsewhere (or here again), then ack the original: at-least-once. */
  private async forward(delivery: Delivery, queue: string, headers: Record<string, unknown>): Promise<void> {
    const { message } = delivery;
    const carried: Record<string, unknown> = { ...message.properties.headers };
    // The attempt count belongs to one queue's handler: a copy sent elsewhere starts afresh.
    if (queue !== this.queue) {
      delete carried[HEADER.attempts];
      delete carried[HEADER.outages];
    }
    try {
      await this.ctx.publisher.send(
        queue,
        { body: message.content, type: String(message.properties.type ?? ''), headers: carried },
        { priority: message.properties.priority as number | undefined, headers, persistent: this.ctx.persistent },
      );
      this.ack(delivery);
    } catch (err) {
      this.ctx.logger.warn({ queue: this.queue, to: queue, err: coerceError(err) }, 'could not forward a message; it stays queued');
      this.nack(delivery);
    }
  }

  private ack(delivery: Delivery): void {
    if (delivery.channel !== this.channel) return;
    try {
      delivery.channel.ack(delivery.message);
    } catch {
      // The channel closed meanwhile: RabbitMQ requeued the message.
    }
  }

  private nack(delivery: Delivery): void {
    if (delivery.channel !== this.channel) return;
    try {
      delivery.channel.nack(delivery.message, false, true);
    } catch {
      // As for ack.
    }
  }

  private logRefusal(protocol: number, sender: Record<string, unknown>): void {
    const now = Date.now();
    if (now - this.lastRefusalLog < this.ctx.refusalLogIntervalMs) return;
    this.lastRefusalLog = now;
    this.ctx.logger.error(
      { queue: this.queue, protocol, expected: PROTOCOL_VERSION, ...sender },
      `refused a message from a node speaking protocol ${protocol}; this node speaks protocol ${PROTOCOL_VERSION}. ` +
        'Run the same Drover release on every node (the message is kept in the dead-letters queue)',
    );
  }
}
