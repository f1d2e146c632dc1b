import type { Channel, Replies } from 'amqplib';
import { NotFoundError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { AmqpConnection } from './connection.js';
import { declarationOf, isExclusiveQueue, type TopologySettings } from './topology.js';

/**
 * Declares queues on one connection and answers passive queue checks, on a channel of its own:
 * a failed declaration or a check of a missing queue closes the channel it ran on, and that
 * must never be a channel that publishes or consumes. Remembers what it declared until the
 * connection is replaced (exclusive queues die with their connection).
 */
export class Declarer {
  private channel: Promise<Channel> | undefined;
  private channelGeneration = -1;
  private readonly declared = new Map<string, Promise<void>>();
  /** The subset of `declared` whose declaration has succeeded. */
  private readonly done = new Set<string>();
  private declaredGeneration = -1;
  private readonly warned = new Set<string>();

  constructor(
    private readonly connection: AmqpConnection,
    private readonly settings: TopologySettings,
    private readonly logger: Logger,
  ) {}

  /** Declare `queue` unless it was declared on this connection already. */
  declare(queue: string): Promise<void> {
    if (this.declaredGeneration !== this.connection.generation) {
      this.declared.clear();
      this.done.clear();
      this.declaredGeneration = this.connection.generation;
    }
    let pending = this.declared.get(queue);
    if (!pending) {
      const declaring = this.assert(queue);
      pending = declaring;
      this.declared.set(queue, declaring);
      declaring.then(
        () => this.declared.get(queue) === declaring && this.done.add(queue),
        () => this.declared.get(queue) === declaring && this.declared.delete(queue),
      );
    }
    return pending;
  }

  /** Whether `queue` was declared on the current connection (and the declaration succeeded). */
  isDeclared(queue: string): boolean {
    return this.declaredGeneration === this.connection.generation && this.done.has(queue);
  }

  /** Forget a declaration (the queue was deleted, or a publish to it came back unroutable). */
  forget(queue: string): void {
    this.declared.delete(queue);
    this.done.delete(queue);
  }

  /** Ready messages and consumers of a queue; NotFoundError when it does not exist. */
  async check(queue: string): Promise<Replies.AssertQueue> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await (await this.adminChannel()).checkQueue(queue);
      } catch (err) {
        this.channel = undefined;
        if (isAmqpCode(err, 404)) throw new NotFoundError(`queue ${queue} not found`);
        // Another check on the shared channel failed first and closed it: ask again once.
        if (attempt >= 2 || !/channel (closed|ended)/i.test((err as Error).message)) throw err;
      }
    }
  }

  async purge(queue: string): Promise<void> {
    await (await this.adminChannel()).purgeQueue(queue);
  }

  async delete(queue: string): Promise<void> {
    this.forget(queue);
    await (await this.adminChannel()).deleteQueue(queue);
  }

  private async assert(queue: string): Promise<void> {
    const d = declarationOf(queue, this.settings);
    try {
      await (await this.adminChannel()).assertQueue(queue, {
        durable: d.durable,
        exclusive: d.exclusive,
        autoDelete: d.autoDelete,
        arguments: d.arguments,
      });
    } catch (err) {
      this.channel = undefined;
      // Declared before with other arguments (by Tork, or by Drover with other settings): use it
      // as it is rather than refuse to work. An exclusive queue cannot be shared, so that stays an error.
      if (!isAmqpCode(err, 406) || isExclusiveQueue(queue)) throw err;
      await this.check(queue);
      if (!this.warned.has(queue)) {
        this.warned.add(queue);
        this.logger.warn({ queue, reason: (err as Error).message }, 'queue exists with other arguments; using it as it is');
      }
    }
  }

  private adminChannel(): Promise<Channel> {
    if (!this.channel || this.channelGeneration !== this.connection.generation) {
      this.channelGeneration = this.connection.generation;
      const opening = this.connection.channel();
      opening.then(
        (ch) => ch.on('close', () => this.channel === opening && (this.channel = undefined)),
        () => undefined,
      );
      this.channel = opening;
      opening.catch(() => (this.channel = undefined));
    }
    return this.channel;
  }
}

/** Whether an amqplib error carries this AMQP reply code (404 NOT_FOUND, 406 PRECONDITION_FAILED…). */
export function isAmqpCode(err: unknown, code: number): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
