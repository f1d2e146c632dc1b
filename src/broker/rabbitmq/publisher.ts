import { randomUUID } from 'node:crypto';
import type { Channel, ConfirmChannel, Message as AmqpMessage } from 'amqplib';
import { delay } from '../../async.js';
import { UnavailableError, coerceError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { CONTENT_TYPE, type Encoded } from './codec.js';
import type { AmqpConnection } from './connection.js';
import type { Declarer } from './declarer.js';
import { EVENTS_EXCHANGE, isExclusiveQueue } from './topology.js';

export interface SendOptions {
  priority?: number;
  /** Headers on top of the encoded ones (retry counts, dead-letter reasons). */
  headers?: Record<string, unknown>;
  persistent: boolean;
}

/**
 * Publishes on a confirm channel: `send` resolves once RabbitMQ has taken the message (written it
 * to disk for a durable queue). A publish whose confirm is lost with the connection is sent again
 * on the next one, so a message may arrive twice, never not at all (at-least-once).
 *
 * Messages are `mandatory`: one that no queue takes (its queue was deleted after we declared it)
 * comes back, and is sent again after declaring the queue anew. A message for another node's
 * private `x-` queue is never declared: when that node is gone, the message is dropped.
 */
export class Publisher {
  private confirm: Promise<ConfirmChannel> | undefined;
  private events: Promise<Channel> | undefined;
  /** The channels above once open, until they close: what a publish uses without waiting. */
  private openConfirm: ConfirmChannel | undefined;
  private openEvents: Channel | undefined;
  private readonly returned = new Set<string>();
  private closed = false;

  constructor(
    private readonly connection: AmqpConnection,
    private readonly declarer: Declarer,
    private readonly logger: Logger,
    /** How long a publish waits for the broker to come back before it fails. */
    private readonly timeoutMs: number,
  ) {}

  async send(queue: string, encoded: Encoded, options: SendOptions): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    const messageId = randomUUID();
    const properties = {
      persistent: options.persistent,
      priority: options.priority,
      contentType: CONTENT_TYPE,
      type: encoded.type,
      messageId,
      headers: options.headers ? { ...encoded.headers, ...options.headers } : encoded.headers,
      mandatory: true,
    };
    for (let attempt = 1; ; attempt++) {
      this.assertOpen();
      try {
        // The usual case, with the queue declared and the channel open, arms no deadline timer:
        // a timer and a promise race per message were a good part of a publish's cost.
        if (!isExclusiveQueue(queue) && !this.declarer.isDeclared(queue)) {
          await beforeDeadline(this.declarer.declare(queue), deadline);
        }
        const channel = this.openConfirm ?? (await beforeDeadline(this.confirmChannel(), deadline));
        await publishConfirmed(channel, queue, encoded.body, properties);
        if (!this.returned.delete(messageId)) return;
        if (isExclusiveQueue(queue)) {
          this.logger.debug({ queue }, 'message to a node that is gone dropped');
          return;
        }
        this.declarer.forget(queue);
      } catch (err) {
        if (this.closed || Date.now() > deadline) {
          throw new UnavailableError(`could not publish to ${queue}: ${coerceError(err).message}`, { cause: err });
        }
        this.logger.debug({ queue, attempt, err: coerceError(err) }, 'publish failed; retrying');
        await delay(Math.min(1000, 50 * attempt));
      }
    }
  }

  /** Events are best effort: no confirm, not persistent (nobody replays them). */
  async sendEvent(topic: string, encoded: Encoded): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    for (let attempt = 1; ; attempt++) {
      this.assertOpen();
      try {
        const channel = this.openEvents ?? (await beforeDeadline(this.eventChannel(), deadline));
        channel.publish(EVENTS_EXCHANGE, topic, encoded.body, {
          contentType: CONTENT_TYPE,
          type: encoded.type,
          headers: encoded.headers,
        });
        return;
      } catch (err) {
        if (this.closed || Date.now() > deadline) {
          throw new UnavailableError(`could not publish event ${topic}: ${coerceError(err).message}`, { cause: err });
        }
        await delay(Math.min(1000, 50 * attempt));
      }
    }
  }

  close(): void {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new UnavailableError('broker is terminated');
  }

  private confirmChannel(): Promise<ConfirmChannel> {
    if (!this.confirm) {
      const opening = this.connection.confirmChannel().then((channel) => {
        channel.on('return', (message: AmqpMessage) => {
          const id: unknown = message.properties.messageId;
          if (typeof id === 'string') this.returned.add(id);
        });
        channel.on('close', () => {
          if (this.openConfirm === channel) this.openConfirm = undefined;
          if (this.confirm === opening) this.confirm = undefined;
        });
        if (this.confirm === opening) this.openConfirm = channel;
        return channel;
      });
      opening.catch(() => {
        if (this.confirm === opening) this.confirm = undefined;
      });
      this.confirm = opening;
    }
    return this.confirm;
  }

  private eventChannel(): Promise<Channel> {
    if (!this.events) {
      const opening = this.connection.channel().then((channel) => {
        channel.on('close', () => {
          if (this.openEvents === channel) this.openEvents = undefined;
          if (this.events === opening) this.events = undefined;
        });
        if (this.events === opening) this.openEvents = channel;
        return channel;
      });
      opening.catch(() => {
        if (this.events === opening) this.events = undefined;
      });
      this.events = opening;
    }
    return this.events;
  }
}

/**
 * `promise`, or a rejection once `deadline` (epoch ms) has passed: opening a channel waits for
 * the connection to come back, which may never happen.
 */
function beforeDeadline<T>(promise: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the broker connection did not come back in time')), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

function publishConfirmed(
  channel: ConfirmChannel,
  queue: string,
  body: Buffer,
  options: Parameters<ConfirmChannel['sendToQueue']>[2],
): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      channel.sendToQueue(queue, body, options, (err: unknown) => (err ? reject(coerceError(err)) : resolve()));
    } catch (err) {
      reject(coerceError(err));
    }
  });
}
