import { randomUUID } from 'node:crypto';
import type { Channel, ConsumeMessage } from 'amqplib';
import { delay } from '../../async.js';
import { coerceError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { EventHandler } from '../broker.js';
import { EXCLUSIVE_PREFIX } from '../broker.js';
import { PROTOCOL_VERSION, decodeEvent, protocolOf } from './codec.js';
import type { AmqpConnection } from './connection.js';
import type { Declarer } from './declarer.js';
import { EVENTS_EXCHANGE, bindingKeyOf, patternMatcher } from './topology.js';

/**
 * One event subscription: a private, exclusive queue bound to `amq.topic` with the pattern
 * (Tork's way), consumed without acks (events are best effort). It is declared, bound and
 * consumed again after a reconnection; events published while it was down are lost.
 */
export class EventConsumer {
  private readonly queue = `${EXCLUSIVE_PREFIX}events-${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  private readonly matches: (topic: string) => boolean;
  private channel: Channel | undefined;
  private closed = false;
  private started = false;
  private restarting = false;

  constructor(
    private readonly connection: AmqpConnection,
    private readonly declarer: Declarer,
    private readonly logger: Logger,
    private readonly pattern: string,
    private readonly handler: EventHandler,
  ) {
    this.matches = patternMatcher(pattern);
  }

  async start(): Promise<void> {
    await this.subscribe();
    this.started = true;
  }

  private async subscribe(): Promise<void> {
    const channel = await this.connection.channel();
    this.channel = channel;
    channel.on('close', () => this.lost(channel));
    try {
      await this.declarer.declare(this.queue);
      await channel.bindQueue(this.queue, EVENTS_EXCHANGE, bindingKeyOf(this.pattern));
      await channel.consume(this.queue, (message) => message && this.deliver(message), { noAck: true });
    } catch (err) {
      await channel.close().catch(() => undefined);
      throw err;
    }
    if (this.closed) await channel.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const channel = this.channel;
    this.channel = undefined;
    // The queue is exclusive and auto-deleted: closing its only consumer's channel removes it.
    await channel?.deleteQueue(this.queue).catch(() => undefined);
    await channel?.close().catch(() => undefined);
  }

  private deliver(message: ConsumeMessage): void {
    const topic = message.fields.routingKey;
    if (!this.matches(topic)) return;
    const protocol = protocolOf((message.properties.headers ?? {}) as Record<string, unknown>);
    if (protocol !== undefined && protocol !== PROTOCOL_VERSION) return;
    let event;
    try {
      event = decodeEvent(message.content, message.properties.type);
    } catch (err) {
      this.logger.warn({ topic, err: coerceError(err) }, 'undecodable event ignored');
      return;
    }
    Promise.resolve()
      .then(() => this.handler(topic, event))
      .catch((err: unknown) => this.logger.error({ err: coerceError(err), topic }, 'event handler failed'));
  }

  private lost(channel: Channel): void {
    if (this.channel !== channel) return;
    this.channel = undefined;
    this.declarer.forget(this.queue);
    if (this.closed || !this.started || this.restarting) return;
    void this.restart();
  }

  private async restart(): Promise<void> {
    this.restarting = true;
    try {
      for (let attempt = 1; !this.closed; attempt++) {
        try {
          await this.subscribe();
          return;
        } catch (err) {
          this.logger.debug({ pattern: this.pattern, attempt, err: coerceError(err) }, 'event resubscribe failed; retrying');
          await delay(Math.min(5000, 100 * 2 ** Math.min(attempt, 6)));
        }
      }
    } finally {
      this.restarting = false;
    }
  }
}
