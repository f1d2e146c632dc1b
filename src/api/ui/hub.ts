/**
 * The UI's event sequence: job and task events from the broker, numbered, kept in a ring and
 * fanned out to the open streams (UI.md §3).
 *
 * The cursor guarantee: a cursor names a point in this process's sequence (`<epoch>:<seq>`).
 * Every snapshot `/ui/api` returns carries the cursor taken *before* it read the datastore, so a
 * stream opened with that cursor replays every event published after the snapshot's read began
 * (some of which the snapshot may already show: events are idempotent state updates, and the
 * client drops those older than what it holds). Nothing is missed as long as the cursor is still
 * in the ring; when it is not (ring overflowed, the server restarted and the epoch changed, or
 * the hub stopped listening in between), the stream says `reset` and the client reads its
 * snapshot again. Log lines are not in this sequence: they are addressed by their stored `seq`
 * (see `stream.ts`).
 *
 * The hub listens to the broker only while the UI is used: from the first snapshot or stream
 * until no stream has been open for `idleMs`. A server nobody watches pays nothing for it.
 */
import { randomBytes } from 'node:crypto';
import type { Broker, Event, Subscription } from '../../broker/broker.js';
import type { Datastore } from '../../datastore/datastore.js';
import type { Logger } from '../../logger.js';
import type { Permission } from '../../model/job.js';
import type { Redactor } from '../../model/redact.js';
import { jobBrief, taskBrief, type JobBrief, type TaskBrief } from './shapes.js';

export type HubEvent =
  | {
      seq: number;
      type: 'job';
      jobId: string;
      data: JobBrief;
      json: string;
      /** Who may see it. */
      permissions?: Permission[];
    }
  | { seq: number; type: 'task'; jobId: string; data: TaskBrief; json: string };

export interface EventHubOptions {
  broker: Broker;
  datastore: Datastore;
  redactor: Redactor;
  logger: Logger;
  /** Events kept for replay. @default 20000 */
  capacity?: number;
  /**
   * How long the hub keeps listening after the last snapshot or stream, so a tab that
   * reconnects (a dropped connection, a navigation, a tab shown again) resumes without a reset.
   * @default 120000
   */
  idleMs?: number;
}

type Listener = (event: HubEvent) => void;

/** Where a stream starts: after `seq`, or from scratch (`reset`) when the cursor is unusable. */
export type ResumePoint = { kind: 'replay'; events: HubEvent[] } | { kind: 'reset' };

export class EventHub {
  /** Changes at every start, so a cursor from an earlier process is recognised as foreign. */
  readonly epoch = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly ring: HubEvent[] = [];
  private readonly capacity: number;
  private readonly idleMs: number;
  private readonly listeners = new Set<Listener>();
  private subscriptions: Subscription[] = [];
  private attaching: Promise<void> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private usedUntil = 0;
  private closed = false;
  /** Cursors at or before this one predate the current subscription: events may be missing. */
  private gapAt = 0;
  /** Secrets of recent jobs, to redact task errors without a read per event. */
  private readonly secrets = new Map<string, Record<string, string>>();
  /** Events are converted one after another so that the sequence keeps the broker's order. */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly options: EventHubOptions) {
    this.capacity = options.capacity ?? 20_000;
    this.idleMs = options.idleMs ?? 120_000;
  }

  /**
   * Listen to the broker (if not yet) and keep listening for `idleMs` more. Await it before
   * taking a cursor. A broker that cannot be subscribed to leaves the UI without live updates
   * (logged), never without its snapshots.
   */
  async attach(): Promise<void> {
    if (this.closed) return;
    this.usedUntil = Date.now() + this.idleMs;
    this.scheduleIdleCheck();
    if (!this.attaching) {
      // Whatever happened while nobody listened is unknown to older cursors.
      this.gapAt = ++this.seq;
      this.attaching = this.subscribe().catch((err: unknown) => {
        this.attaching = undefined;
        this.options.logger.warn({ err }, 'ui live updates unavailable');
      });
    }
    await this.attaching;
  }

  /** The cursor of the latest event. For a snapshot use {@link snapshotCursor}. */
  cursor(): string {
    return `${this.epoch}:${this.seq}`;
  }

  /** Listen, then give the cursor a snapshot read from now on reflects. */
  async snapshotCursor(): Promise<string> {
    await this.attach();
    return this.cursor();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.listeners.clear();
    await this.detach();
  }

  /** The sequence number a cursor names, or undefined when it is malformed or from another process. */
  parseCursor(cursor: string | undefined): number | undefined {
    const m = /^([0-9a-f]+):(\d+)$/.exec(cursor ?? '');
    if (!m || m[1] !== this.epoch) return undefined;
    const seq = Number(m[2]);
    return seq <= this.seq ? seq : undefined;
  }

  /** The events after `cursor`, or `reset` when they are no longer all known. */
  resume(cursor: string | undefined): ResumePoint {
    const after = this.parseCursor(cursor);
    if (after === undefined || after < this.gapAt) return { kind: 'reset' };
    const oldest = this.ring[0]?.seq ?? this.seq + 1;
    if (after < oldest - 1) return { kind: 'reset' };
    return { kind: 'replay', events: this.ring.filter((e) => e.seq > after) };
  }

  listen(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      this.usedUntil = Math.max(this.usedUntil, Date.now() + this.idleMs);
      this.scheduleIdleCheck();
    };
  }

  private async subscribe(): Promise<void> {
    const handler = (_topic: string, event: Event): void => {
      this.chain = this.chain
        .then(() => this.accept(event))
        .catch((err: unknown) => this.options.logger.warn({ err }, 'ui event dropped'));
    };
    const { broker } = this.options;
    this.subscriptions.push(await broker.subscribeEvents('job.*', handler));
    this.subscriptions.push(await broker.subscribeEvents('task.*', handler));
  }

  private async detach(): Promise<void> {
    const subscriptions = this.subscriptions.splice(0);
    this.attaching = undefined;
    this.ring.length = 0;
    await Promise.allSettled(subscriptions.map((s) => s.close()));
  }

  private scheduleIdleCheck(): void {
    if (this.idleTimer || this.closed) return;
    this.idleTimer = setTimeout(
      () => {
        this.idleTimer = undefined;
        if (this.listeners.size === 0 && Date.now() >= this.usedUntil) void this.detach();
        else this.scheduleIdleCheck();
      },
      Math.max(this.usedUntil - Date.now(), 0) + 1000,
    );
    this.idleTimer.unref();
  }

  private async accept(event: Event): Promise<void> {
    if (!this.attaching) return;
    const { redactor } = this.options;
    if (event.kind === 'job') {
      const job = event.job;
      if (job.secrets) this.remember(job.id, job.secrets);
      const data = jobBrief(redactor.redactSummary(job));
      this.push({ seq: 0, type: 'job', jobId: job.id, data, json: '', permissions: job.permissions });
    } else if (event.kind === 'task' && event.task.jobId) {
      const task = event.task;
      const secrets = await this.secretsOf(task.jobId!);
      const data = taskBrief(redactor.redactTask(task, secrets));
      this.push({ seq: 0, type: 'task', jobId: task.jobId!, data, json: '' });
    }
  }

  private push(event: HubEvent): void {
    event.seq = ++this.seq;
    event.json = JSON.stringify(event.data);
    this.ring.push(event);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
    for (const listener of this.listeners) listener(event);
  }

  private remember(jobId: string, secrets: Record<string, string>): void {
    this.secrets.delete(jobId);
    this.secrets.set(jobId, secrets);
    if (this.secrets.size > 1000) this.secrets.delete(this.secrets.keys().next().value!);
  }

  private async secretsOf(jobId: string): Promise<Record<string, string> | undefined> {
    const hit = this.secrets.get(jobId);
    if (hit) return hit;
    const job = await this.options.datastore.findJob(jobId).catch(() => undefined);
    const secrets = job?.secrets ?? {};
    this.remember(jobId, secrets);
    return secrets;
  }
}
