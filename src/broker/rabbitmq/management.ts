import { coerceError } from '../../errors.js';
import type { Logger } from '../../logger.js';

/** One queue as the management API reports it (statistics lag up to ~5 s behind). */
export interface ManagedQueue {
  name: string;
  /** Ready messages. */
  size: number;
  subscribers: number;
  unacked: number;
}

export interface ManagementApiOptions {
  /** e.g. `http://localhost:15672`. */
  baseUrl: string;
  /** The AMQP URL: its user, password and virtual host are the ones the API is asked with. */
  amqpUrl: string;
  logger: Logger;
  /** @default 5000 */
  timeoutMs?: number;
}

/**
 * The RabbitMQ management HTTP API, for what AMQP cannot tell: the list of queues and their
 * unacknowledged counts. Optional: when the plugin is off or unreachable, methods return
 * undefined (logged once) and the broker falls back to what it knows itself.
 */
export class ManagementApi {
  private readonly base: string;
  private readonly vhost: string;
  private readonly authorization: string;
  private readonly timeoutMs: number;
  private warned = false;

  constructor(private readonly options: ManagementApiOptions) {
    const amqp = new URL(options.amqpUrl);
    this.base = options.baseUrl.replace(/\/+$/, '');
    const path = decodeURIComponent(amqp.pathname.replace(/^\//, ''));
    this.vhost = path === '' ? '/' : path;
    const user = decodeURIComponent(amqp.username || 'guest');
    const password = decodeURIComponent(amqp.password || 'guest');
    this.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  /** Every queue of the virtual host, or undefined when the API cannot be reached. */
  async listQueues(): Promise<ManagedQueue[] | undefined> {
    const body = await this.get(`/api/queues/${encodeURIComponent(this.vhost)}?columns=${COLUMNS}`);
    return Array.isArray(body) ? body.map(toQueue) : undefined;
  }

  /** One queue; null when it does not exist, undefined when the API cannot be reached. */
  async getQueue(name: string): Promise<ManagedQueue | null | undefined> {
    const body = await this.get(`/api/queues/${encodeURIComponent(this.vhost)}/${encodeURIComponent(name)}?columns=${COLUMNS}`);
    if (body === null) return null;
    return body === undefined ? undefined : toQueue(body);
  }

  /** Parsed JSON; null for a 404; undefined when unreachable or refused. */
  private async get(path: string): Promise<unknown> {
    try {
      const res = await fetch(this.base + path, {
        headers: { authorization: this.authorization },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (res.status === 404) return null;
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return (await res.json()) as unknown;
    } catch (err) {
      if (!this.warned) {
        this.warned = true;
        this.options.logger.warn(
          { url: this.base, err: coerceError(err) },
          'RabbitMQ management API unavailable; queue lists show only the queues this node uses',
        );
      }
      return undefined;
    }
  }
}

const COLUMNS = 'name,messages_ready,messages_unacknowledged,consumers';

function toQueue(raw: unknown): ManagedQueue {
  const q = raw as Record<string, unknown>;
  return {
    name: String(q.name),
    size: Number(q.messages_ready ?? 0) || 0,
    subscribers: Number(q.consumers ?? 0) || 0,
    unacked: Number(q.messages_unacknowledged ?? 0) || 0,
  };
}
