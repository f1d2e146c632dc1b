/**
 * `GET /ui/api/stream`: one Server-Sent Events stream per browser tab (UI.md §3).
 *
 * Query: `since=<cursor>` (or the `Last-Event-ID` header), `job=<id>` (that job and its tasks),
 * `lists=jobs,overview,nodes,queues` (every job's summary; the cluster views as they change),
 * `log=task:<id>|job:<id>` with `logAfter=<seq>` (log parts stored after that `seq`).
 *
 * Events: `job`, `task` (ids from the hub's sequence: replayed after `since`), `log` (parts by
 * `seq`: the client keeps its own log cursor), `overview`/`nodes`/`queues` (whole views, sent
 * when they differ from the last one sent), `reset` (the cursor is unusable: read the snapshot
 * again), `ping` every 15 s (keeps proxies from dropping an idle stream and moves the cursor on).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LogScope } from '../../datastore/datastore.js';
import { findVisibleJob, findVisibleTask } from '../auth/access.js';
import { isPermitted } from '../auth/principal.js';
import type { ApiContext } from '../context.js';
import { first } from '../paging.js';
import { overviewView, nodesView, queuesView } from './cluster.js';
import type { EventHub, HubEvent } from './hub.js';

export interface StreamOptions {
  /** @default 15000 */
  heartbeatMs?: number;
  /** How often a followed log is read for new parts. @default 400 */
  logPollMs?: number;
  /** How often the overview, nodes and queues views are recomputed. @default 3000 */
  listPollMs?: number;
}

type Query = Record<string, string | string[] | undefined>;

/** A stream whose client reads slower than this many bytes behind is dropped (it reconnects). */
const MAX_BUFFERED = 8 * 1024 * 1024;

/** Open streams, ended when the server closes (they would hold `close()` forever). */
export class StreamSet {
  private readonly ends = new Set<() => void>();
  add(end: () => void): () => void {
    this.ends.add(end);
    return () => this.ends.delete(end);
  }
  endAll(): void {
    for (const end of [...this.ends]) end();
  }
  get size(): number {
    return this.ends.size;
  }
}

export function registerStreamRoute(
  app: FastifyInstance,
  ctx: ApiContext,
  hub: EventHub,
  streams: StreamSet,
  options: StreamOptions = {},
): void {
  app.get<{ Querystring: Query }>('/api/stream', async (request, reply) => {
    const q = request.query;
    const jobId = first(q.job) || undefined;
    const lists = new Set((first(q.lists) ?? '').split(',').filter(Boolean));
    const logScope = parseLogScope(first(q.log));
    let logAfter = Number(first(q.logAfter)) || 0;
    const lastEventId = request.headers['last-event-id'];
    const since = first(q.since) || (typeof lastEventId === 'string' ? lastEventId : undefined);
    // What the caller may not see answers 404, before the stream starts.
    if (jobId) await findVisibleJob(ctx, request, jobId);
    const secrets = logScope ? await secretsOf(ctx, request, logScope) : undefined;
    const principal = request.principal;
    await hub.attach();

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    let open = true;
    let unlisten = (): void => {};
    let unregister = (): void => {};
    /** The heartbeat, the log poll and the views poll (each re-armed after it runs). */
    const timers: Record<'heartbeat' | 'log' | 'views', NodeJS.Timeout | undefined> = {
      heartbeat: undefined,
      log: undefined,
      views: undefined,
    };
    const write = (text: string): void => {
      if (!open) return;
      res.write(text);
      if (res.writableLength > MAX_BUFFERED) end();
    };
    const matches = (e: HubEvent): boolean =>
      e.type === 'job'
        ? e.jobId === jobId || (lists.has('jobs') && isPermitted(principal, e.permissions))
        : e.jobId === jobId;
    const send = (e: HubEvent): void => {
      if (matches(e)) write(`id: ${hub.epoch}:${e.seq}\nevent: ${e.type}\ndata: ${e.json}\n\n`);
    };

    write('retry: 2000\n\n');
    // Replay and subscribe in the same tick: no event can fall between the two.
    if (since !== undefined) {
      const resume = hub.resume(since);
      if (resume.kind === 'reset')
        write(`id: ${hub.cursor()}\nevent: reset\ndata: ${JSON.stringify({ cursor: hub.cursor() })}\n\n`);
      else for (const e of resume.events) send(e);
    }
    unlisten = hub.listen(send);
    unregister = streams.add(() => end());

    function end(): void {
      if (!open) return;
      open = false;
      unlisten();
      unregister();
      for (const t of Object.values(timers)) clearTimeout(t);
      res.end();
    }
    request.raw.on('close', end);
    res.on('error', end);

    timers.heartbeat = setInterval(
      () => write(`id: ${hub.cursor()}\nevent: ping\ndata: {}\n\n`),
      options.heartbeatMs ?? 15_000,
    );

    if (logScope) {
      const poll = async (): Promise<void> => {
        if (!open) return;
        let full = false;
        try {
          const chunks = await ctx.datastore.listLogChunks(logScope, {
            afterSeq: logAfter,
            order: 'asc',
            limit: 100,
          });
          for (const c of chunks) {
            const contents = ctx.redactor.redactText(c.contents, secrets);
            write(
              `event: log\ndata: ${JSON.stringify({ seq: c.seq, taskId: c.taskId, number: c.number, contents, at: c.createdAt?.getTime() })}\n\n`,
            );
            logAfter = c.seq;
          }
          full = chunks.length === 100;
        } catch (err) {
          request.log.warn({ err }, 'log follow failed');
        }
        if (open) timers.log = setTimeout(() => void poll(), full ? 0 : (options.logPollMs ?? 400));
      };
      void poll();
    }

    const views: Record<string, () => Promise<unknown>> = {
      overview: () => overviewView(ctx, principal),
      nodes: () => nodesView(ctx, principal),
      queues: () => queuesView(ctx, principal),
    };
    const wanted = Object.keys(views).filter((name) => lists.has(name));
    if (wanted.length > 0) {
      const lastSent = new Map<string, string>();
      const refresh = async (): Promise<void> => {
        for (const name of wanted) {
          if (!open) return;
          try {
            const json = JSON.stringify(await views[name]!());
            if (lastSent.get(name) !== json) write(`id: ${hub.cursor()}\nevent: ${name}\ndata: ${json}\n\n`);
            lastSent.set(name, json);
          } catch (err) {
            request.log.warn({ err, view: name }, 'stream view failed');
          }
        }
        if (open) timers.views = setTimeout(() => void refresh(), options.listPollMs ?? 3000);
      };
      timers.views = setTimeout(() => void refresh(), options.listPollMs ?? 3000);
    }
    return reply;
  });
}

function parseLogScope(text: string | undefined): LogScope | undefined {
  const m = /^(task|job):(.+)$/.exec(text ?? '');
  if (!m) return undefined;
  return m[1] === 'task' ? { taskId: m[2]! } : { jobId: m[2]! };
}

/** The secrets of the log's job; 404 when the caller may not see it. */
async function secretsOf(
  ctx: ApiContext,
  request: FastifyRequest,
  scope: LogScope,
): Promise<Record<string, string> | undefined> {
  if ('jobId' in scope) return (await findVisibleJob(ctx, request, scope.jobId)).secrets;
  return (await findVisibleTask(ctx, request, scope.taskId)).job?.secrets;
}
