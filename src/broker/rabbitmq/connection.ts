import { Socket } from 'node:net';
import { connect, type Channel, type ChannelModel, type ConfirmChannel, type RecoveringChannelModel } from 'amqplib';
import { UnavailableError, coerceError } from '../../errors.js';
import type { Logger } from '../../logger.js';

export interface AmqpConnectionOptions {
  url: string;
  /** Shown in RabbitMQ's connection list (`connection_name`). */
  name: string;
  logger: Logger;
  /** Connection attempts before start-up gives up. @default 6 */
  initialAttempts?: number;
  /** Longest wait between two reconnection attempts. @default 5000 */
  maxReconnectDelayMs?: number;
}

/** One AMQP connection that comes back by itself after it drops (amqplib's recovery). */
export class AmqpConnection {
  private model: RecoveringChannelModel | undefined;
  private connected = false;
  private closed = false;
  /** Incremented on every (re)connection: what was declared on an older one must be declared again. */
  generation = 0;
  private readonly listeners = new Set<() => void>();

  private constructor(private readonly options: AmqpConnectionOptions) {}

  /** Connect (retrying a few times at start-up) and keep reconnecting afterwards until closed. */
  static async open(options: AmqpConnectionOptions): Promise<AmqpConnection> {
    const connection = new AmqpConnection(options);
    await connection.start();
    return connection;
  }

  private async start(): Promise<void> {
    const { logger } = this.options;
    const attempts = this.options.initialAttempts ?? 6;
    const model = await connect(withHeartbeat(this.options.url), {
      // amqplib leaves Nagle's algorithm on: every small publish would wait ~40 ms for an ACK.
      noDelay: true,
      clientProperties: { connection_name: this.options.name },
      recovery: {
        initialDelay: 100,
        maxDelay: this.options.maxReconnectDelayMs ?? 5000,
        initialMaxRetries: Math.max(0, attempts - 1),
        waitForConnect: false,
      },
    });
    this.model = model;
    model.on('connect', (inner: ChannelModel) => {
      coalesceWrites(inner);
      this.connected = true;
      this.generation++;
      if (this.generation > 1) logger.info({ connection: this.options.name }, 'broker reconnected');
      for (const listener of this.listeners) listener();
    });
    model.on('disconnect', (err: Error) => {
      this.connected = false;
      if (!this.closed) logger.warn({ connection: this.options.name, err: coerceError(err) }, 'broker connection lost');
    });
    model.on('reconnect-scheduled', (info: { attempt: number; delay: number; error: Error }) => {
      logger.debug({ connection: this.options.name, ...info, error: info.error.message }, 'reconnecting to the broker');
    });
    model.on('blocked', (reason: string) => logger.warn({ connection: this.options.name, reason }, 'broker blocked the connection'));
    model.on('error', () => undefined);
    try {
      await model.waitForConnect();
    } catch (err) {
      throw new UnavailableError(`cannot connect to RabbitMQ at ${redactUrl(this.options.url)}: ${coerceError(err).message}`, {
        cause: err,
      });
    }
  }

  get isConnected(): boolean {
    return this.connected && !this.closed;
  }

  /** Called after every reconnection (not the first connection). */
  onReconnect(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A new channel; waits for the connection when it is down. Rejects once closed. */
  async channel(): Promise<Channel> {
    return this.use((model) => model.createChannel());
  }

  async confirmChannel(): Promise<ConfirmChannel> {
    return this.use((model) => model.createConfirmChannel());
  }

  private async use<T>(open: (model: RecoveringChannelModel) => Promise<T>): Promise<T> {
    if (this.closed || !this.model) throw new UnavailableError('broker is terminated');
    const channel = await open(this.model);
    (channel as unknown as Channel).on('error', () => undefined);
    return channel;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.connected = false;
    this.listeners.clear();
    await this.model?.close().catch(() => undefined);
  }
}

/**
 * amqplib hands the socket every frame (a publish, an ack) as a `write` of its own: one system
 * call and one TCP segment each, which RabbitMQ then reads one by one. Corking the socket at the
 * first write of a tick and uncorking it once the tick's code has run sends what that tick wrote
 * (a handler's events and publishes, the acks of the handlers that settled together) as one
 * `writev`. Nothing waits longer than the current tick. amqplib does not type the socket
 * (`connection.stream`); without one, writes stay as they are.
 */
function coalesceWrites(model: ChannelModel): void {
  const socket = (model.connection as { stream?: unknown }).stream;
  if (!(socket instanceof Socket)) return;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  const write = socket.write;
  socket.write = function (this: Socket, ...args: unknown[]): boolean {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as Socket['write'];
}

/** Detect a dead broker within seconds (RabbitMQ suggests 60 s; a hung socket is the worry here). */
function withHeartbeat(url: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', '10');
  return parsed.toString();
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(invalid url)';
  }
}
