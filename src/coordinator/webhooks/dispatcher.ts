import type { Datastore, WebhookDelivery } from '../../datastore/datastore.js';
import { coerceError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { CoordinatorMetrics } from '../metrics.js';

export interface WebhookDispatcherOptions {
  datastore: Datastore;
  logger: Logger;
  /** Attempts in all before a delivery is given up. @default 5 */
  maxAttempts?: number;
  /** Wait before retry n is n × this. @default 2000 (Tork's 2 s, 4 s, 6 s, 8 s) */
  backoffMs?: number;
  /** Per-attempt timeout. @default 5000 */
  timeoutMs?: number;
  /** How often the outbox is polled when nothing nudges it. @default 1000 */
  pollMs?: number;
  /** Counts each attempt's outcome. */
  metrics?: Pick<CoordinatorMetrics, 'webhookAttempt'>;
  now?: () => Date;
}

/** Statuses worth trying again; any other non-2xx answer is final. */
const RETRYABLE = new Set([429, 500, 502, 503, 504]);

/**
 * Sends the webhook outbox. Deliveries survive restarts (they are rows); a claim pushes a
 * row's next attempt ahead, so a dispatcher that dies mid-call leaves it to be retried, and two
 * dispatchers never send one row at the same time.
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private nudged = false;
  private readonly stopping = new AbortController();
  private readonly o: Required<Omit<WebhookDispatcherOptions, 'datastore' | 'logger' | 'metrics'>> & WebhookDispatcherOptions;

  constructor(options: WebhookDispatcherOptions) {
    this.o = { maxAttempts: 5, backoffMs: 2000, timeoutMs: 5000, pollMs: 1000, now: () => new Date(), ...options };
  }

  start(): void {
    this.schedule(0);
  }

  /** Look at the outbox now (a change just queued something), or right after the current round. */
  nudge(): void {
    if (this.closed) return;
    if (this.running) this.nudged = true;
    else this.schedule(0);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    // Calls in flight are abandoned; their rows stay PENDING and are sent again after the lease.
    this.stopping.abort();
    await this.running;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.running = this.round()
        .catch((err: unknown) => this.o.logger.warn({ err: coerceError(err) }, 'webhook round failed'))
        .finally(() => {
          this.running = undefined;
          this.schedule(this.nudged ? 0 : this.o.pollMs);
          this.nudged = false;
        });
    }, ms);
    this.timer.unref();
  }

  private async round(): Promise<void> {
    for (;;) {
      const due = await this.o.datastore.claimDueWebhooks(this.o.now(), 20, this.o.timeoutMs * 2);
      if (due.length === 0 || this.closed) return;
      await Promise.all(due.map((d) => this.deliver(d)));
    }
  }

  private async deliver(d: WebhookDelivery): Promise<void> {
    const attempts = d.attempts + 1;
    let retry = false;
    let error: string | undefined;
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=UTF-8', ...d.headers },
        body: d.body,
        signal: AbortSignal.any([AbortSignal.timeout(this.o.timeoutMs), this.stopping.signal]),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) {
        await this.o.datastore.updateWebhook(d.id, { state: 'DELIVERED', attempts, deliveredAt: this.o.now(), lastError: undefined });
        this.o.metrics?.webhookAttempt('delivered');
        return;
      }
      error = `HTTP ${res.status}`;
      retry = RETRYABLE.has(res.status);
    } catch (err) {
      if (this.stopping.signal.aborted) return;
      error = coerceError(err).message;
      retry = true;
    }
    const giveUp = !retry || attempts >= this.o.maxAttempts;
    this.o.metrics?.webhookAttempt(giveUp ? 'failed' : 'retried');
    this.o.logger.warn({ url: d.url, attempts, error, jobId: d.jobId }, giveUp ? 'webhook failed' : 'webhook will be retried');
    await this.o.datastore.updateWebhook(d.id, {
      state: giveUp ? 'FAILED' : 'PENDING',
      attempts,
      lastError: error,
      nextAttemptAt: new Date(this.o.now().getTime() + this.o.backoffMs * attempts),
    });
  }
}
