/**
 * Live updates: one Server-Sent Events stream per tab, whatever the page shows (UI.md §3).
 *
 * Views subscribe with what they show (a job, the lists, a log) and the cursor of the snapshot
 * they read; the stream is reopened with the merged subscription and the oldest cursor, so
 * nothing between a snapshot and the stream is missed. Events are handed over in batches, once
 * per animation frame, with their sequence number, so a view can drop what is older than what
 * it holds. A dropped stream is reopened quietly with the cursor (reconnecting…); after three
 * failures in a row the views poll their snapshot every 5 s (polling) while the stream is
 * retried now and then. A tab hidden for more than 60 s closes its stream and catches up when
 * shown again.
 */
import { useEffect, useRef, useSyncExternalStore } from 'react';
import type { JobBrief, TaskBrief } from '../../../src/api/ui/shapes.js';
import { toLogin } from './api.js';
import { getSettings } from './settings.js';

export type LiveStatus = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'polling' | 'paused' | 'off';

export interface Sequenced<T> {
  seq: number;
  data: T;
}

export interface LogEvent {
  seq: number;
  taskId: string;
  number: number;
  contents: string;
  at?: number;
}

export interface Handlers {
  job(events: Sequenced<JobBrief>[]): void;
  task(events: Sequenced<TaskBrief>[]): void;
  log(chunks: LogEvent[]): void;
  overview(view: unknown): void;
  nodes(view: unknown): void;
  queues(view: unknown): void;
  /** The cursor could not be resumed: read the snapshot again. */
  reset(): void;
  /** Polling fallback: read the snapshot again (it is cheap when unchanged). */
  poll(): void;
}

export interface LiveParams {
  job?: string;
  lists?: string[];
  /** `task:<id>` or `job:<id>`. */
  log?: string;
  /** The `seq` of the newest log part the view holds (read at each (re)connect). */
  logAfter?: () => number;
  /** The cursor of the snapshot the view shows. */
  cursor?: string;
}

interface Subscriber extends LiveParams {
  on: () => Partial<Handlers>;
}

const HIDDEN_CLOSE_MS = 60_000;
const POLL_MS = 5_000;
const RETRY_SSE_WHILE_POLLING_MS = 30_000;

function seqOf(cursor: string | undefined): { epoch: string; seq: number } | undefined {
  const m = /^([0-9a-f]+):(\d+)$/.exec(cursor ?? '');
  return m ? { epoch: m[1]!, seq: Number(m[2]) } : undefined;
}

class Live {
  private readonly subscribers = new Map<number, Subscriber>();
  private nextId = 1;
  private source: EventSource | undefined;
  private cursor: string | undefined;
  private status: LiveStatus = getSettings().live ? 'idle' : 'off';
  private failures = 0;
  private reopenTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private hiddenTimer: ReturnType<typeof setTimeout> | undefined;
  private queued: { type: keyof Handlers; value: unknown }[] = [];
  private flushScheduled = false;
  private readonly statusListeners = new Set<() => void>();

  constructor() {
    document.addEventListener('visibilitychange', () => this.onVisibility());
  }

  getStatus = (): LiveStatus => this.status;

  onStatus = (listener: () => void): (() => void) => {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  };

  add(subscriber: Subscriber): number {
    const id = this.nextId++;
    this.subscribers.set(id, subscriber);
    this.scheduleReopen();
    return id;
  }

  remove(id: number): void {
    this.subscribers.delete(id);
    this.scheduleReopen();
  }

  /** Settings changed (live on/off). */
  refresh(): void {
    this.scheduleReopen();
  }

  private setStatus(status: LiveStatus): void {
    if (status === this.status) return;
    this.status = status;
    for (const listener of this.statusListeners) listener();
  }

  private scheduleReopen(): void {
    clearTimeout(this.reopenTimer);
    // Coalesce the unsubscribe/subscribe pair of a navigation into one reconnect.
    this.reopenTimer = setTimeout(() => this.open(), 30);
  }

  /** The oldest of the subscribers' snapshot cursors and the stream's own. */
  private startCursor(): string | undefined {
    let best = seqOf(this.cursor) ? this.cursor : undefined;
    for (const sub of this.subscribers.values()) {
      const mine = seqOf(sub.cursor);
      const current = seqOf(best);
      if (!mine) continue;
      if (!current || mine.epoch !== current.epoch || mine.seq < current.seq) best = sub.cursor;
    }
    return best;
  }

  private close(): void {
    this.source?.close();
    this.source = undefined;
    clearTimeout(this.retryTimer);
  }

  private open(): void {
    this.close();
    if (!getSettings().live || this.subscribers.size === 0) {
      this.stopPolling();
      this.setStatus(getSettings().live ? 'idle' : 'off');
      return;
    }
    if (document.hidden && this.status === 'paused') return;
    const subs = [...this.subscribers.values()];
    const params = new URLSearchParams();
    const since = this.startCursor();
    if (since) params.set('since', since);
    // From here on the stream covers every subscriber from `since`: their own cursors are spent.
    this.cursor = since;
    for (const sub of subs) sub.cursor = undefined;
    const job = subs.find((s) => s.job)?.job;
    if (job) params.set('job', job);
    const lists = [...new Set(subs.flatMap((s) => s.lists ?? []))];
    if (lists.length) params.set('lists', lists.join(','));
    const log = subs.find((s) => s.log);
    if (log?.log) {
      params.set('log', log.log);
      params.set('logAfter', String(log.logAfter?.() ?? 0));
    }
    if (this.status !== 'polling') this.setStatus(this.failures > 0 ? 'reconnecting' : 'connecting');
    const source = new EventSource(`/ui/api/stream?${params.toString()}`, { withCredentials: true });
    this.source = source;
    source.onopen = () => {
      this.failures = 0;
      this.stopPolling();
      this.setStatus('live');
    };
    source.onerror = () => this.onError(source);
    for (const type of ['job', 'task', 'log', 'overview', 'nodes', 'queues', 'reset', 'ping'] as const) {
      source.addEventListener(type, (event) => this.onEvent(type, event as MessageEvent<string>));
    }
  }

  private onError(source: EventSource): void {
    if (source !== this.source) return;
    // Reconnect ourselves: EventSource would reuse the first URL (stale cursor and log position).
    this.close();
    this.failures++;
    // EventSource hides the status: a stream refused for want of a session means "log in".
    if (this.failures === 1)
      void fetch('/ui/session').then(
        (r) => r.status === 401 && toLogin(),
        () => undefined,
      );
    if (this.failures >= 3) {
      this.startPolling();
      this.retryTimer = setTimeout(() => this.open(), RETRY_SSE_WHILE_POLLING_MS);
      return;
    }
    this.setStatus('reconnecting');
    const delay = Math.min(1000 * 2 ** (this.failures - 1), 8000) * (0.75 + Math.random() * 0.5);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  private onEvent(type: keyof Handlers | 'ping', event: MessageEvent<string>): void {
    if (event.lastEventId) this.cursor = event.lastEventId;
    if (type === 'ping') return;
    const seq = seqOf(event.lastEventId)?.seq ?? 0;
    const data = event.data ? (JSON.parse(event.data) as unknown) : undefined;
    if (type === 'job' || type === 'task') this.queued.push({ type, value: { seq, data } });
    else this.queued.push({ type, value: data });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // One batch per frame; a hidden tab gets no frames, so it batches on a timer instead.
    if (document.hidden) setTimeout(() => this.flush(), 200);
    else requestAnimationFrame(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queued;
    this.queued = [];
    const grouped = new Map<keyof Handlers, unknown[]>();
    for (const { type, value } of batch) {
      const list = grouped.get(type) ?? [];
      list.push(value);
      grouped.set(type, list);
    }
    for (const sub of [...this.subscribers.values()]) {
      const on = sub.on();
      for (const [type, values] of grouped) {
        if (type === 'job' || type === 'task' || type === 'log')
          (on[type] as ((v: unknown[]) => void) | undefined)?.(values);
        else if (type === 'reset') on.reset?.();
        else (on[type] as ((v: unknown) => void) | undefined)?.(values[values.length - 1]);
      }
    }
  }

  private startPolling(): void {
    this.setStatus('polling');
    if (this.pollTimer) return;
    this.pollTimer = setInterval(() => {
      for (const sub of [...this.subscribers.values()]) sub.on().poll?.();
    }, POLL_MS);
  }

  private stopPolling(): void {
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  private onVisibility(): void {
    clearTimeout(this.hiddenTimer);
    if (document.hidden) {
      this.hiddenTimer = setTimeout(() => {
        this.close();
        this.stopPolling();
        this.setStatus('paused');
      }, HIDDEN_CLOSE_MS);
    } else if (this.status === 'paused') {
      this.setStatus('reconnecting');
      this.open();
    }
  }
}

export const live = new Live();

export function useLiveStatus(): LiveStatus {
  return useSyncExternalStore(live.onStatus, live.getStatus);
}

/**
 * Subscribe the calling view while it is mounted. The subscription changes (and the stream is
 * reopened) when `job`, `lists`, `log` or `cursor` change; handlers may change on every render.
 * Pass `enabled: false` until the view has its snapshot (and cursor).
 */
export function useLive(params: LiveParams & { enabled?: boolean }, handlers: Partial<Handlers>): void {
  const ref = useRef(handlers);
  ref.current = handlers;
  const logAfter = useRef(params.logAfter);
  logAfter.current = params.logAfter;
  const lists = params.lists?.join(',');
  useEffect(() => {
    if (params.enabled === false) return;
    const id = live.add({
      job: params.job,
      lists: lists ? lists.split(',') : undefined,
      log: params.log,
      logAfter: () => logAfter.current?.() ?? 0,
      cursor: params.cursor,
      on: () => ref.current,
    });
    return () => live.remove(id);
  }, [params.enabled, params.job, lists, params.log, params.cursor]);
}
