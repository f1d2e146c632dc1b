/**
 * `/ui/api/tasks/:id/log…` and `/ui/api/jobs/:id/log…`: a log read by ranges of parts (tail,
 * older, from a part, newer), searched whole on the server with exact counts, and downloaded
 * whole as a stream. Parts are addressed by their stored `seq`, which never changes.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LogChunk, LogScope } from '../../datastore/datastore.js';
import { InputError } from '../../errors.js';
import type { ApiContext } from '../context.js';
import { first } from '../paging.js';
import { findVisibleJob, findVisibleTask } from '../auth/access.js';
import type { EventHub } from './hub.js';
import { countNewlines, ERROR_PATTERN, LineScanner, visibleText, type ScannedLine } from './log-text.js';

type Query = Record<string, string | string[] | undefined>;

/** Bytes one range answer carries at most (whole parts; one part may exceed it alone). */
const RANGE_MAX_CHARS = 2_000_000;
const DEFAULT_LINES = 1000;
const MAX_LINES = 20_000;
/** Parts read per statement when scanning a whole log. */
const SCAN_BATCH = 100;
/** Matches with text returned by a search (the count is always exact). */
const MAX_MATCHES = 2000;

export interface LogChunkWire {
  seq: number;
  taskId: string;
  number: number;
  contents: string;
  at?: number;
}

export interface LogRange {
  chunks: LogChunkWire[];
  /** Number of the line the first chunk's text begins in. */
  firstLine: number;
  hasBefore: boolean;
  hasAfter: boolean;
  totalLines: number;
  lastSeq: number;
  cursor: string;
}

export interface LogSearch {
  count: number;
  matches: { line: number; seq: number; text: string }[];
  truncated: boolean;
}

interface ResolvedLog {
  scope: LogScope;
  secrets: Record<string, string> | undefined;
  filename: string;
}

export function registerLogRoutes(app: FastifyInstance, ctx: ApiContext, hub: EventHub): void {
  const resolveTask = async (request: FastifyRequest, id: string): Promise<ResolvedLog> => {
    const { job } = await findVisibleTask(ctx, request, id);
    return { scope: { taskId: id }, secrets: job?.secrets, filename: `task-${id}.log` };
  };
  const resolveJob = async (request: FastifyRequest, id: string): Promise<ResolvedLog> => {
    const job = await findVisibleJob(ctx, request, id);
    return { scope: { jobId: id }, secrets: job.secrets, filename: `job-${id}.log` };
  };
  for (const [prefix, resolve] of [
    ['/api/tasks/:id/log', resolveTask],
    ['/api/jobs/:id/log', resolveJob],
  ] as const) {
    app.get<{ Params: { id: string }; Querystring: Query }>(prefix, async (request, reply) => {
      const log = await resolve(request, request.params.id);
      const cursor = await hub.snapshotCursor();
      const range = await readRange(ctx, log, request.query);
      return sendLog(reply, { ...range, cursor });
    });
    app.get<{ Params: { id: string }; Querystring: Query }>(`${prefix}/search`, async (request, reply) => {
      const log = await resolve(request, request.params.id);
      const text = first(request.query.q) ?? '';
      const errors = first(request.query.mode) === 'errors';
      if (!errors && text.trim() === '') throw new InputError([{ path: 'q', message: 'is required' }]);
      const needle = text.toLowerCase();
      const test = errors
        ? (line: string) => ERROR_PATTERN.test(line)
        : (line: string) => line.toLowerCase().includes(needle);
      return sendLog(reply, await searchLog(ctx, log, test));
    });
    app.get<{ Params: { id: string } }>(`${prefix}/download`, async (request, reply) => {
      const log = await resolve(request, request.params.id);
      reply
        .header('content-type', 'text/plain; charset=utf-8')
        .header('content-disposition', `attachment; filename="${log.filename}"`)
        .header('cache-control', 'no-store');
      return reply.send(Readable.from(allChunks(ctx, log)));
    });
  }
}

function sendLog(reply: FastifyReply, body: unknown): FastifyReply {
  return reply
    .header('cache-control', 'no-store')
    .header('content-type', 'application/json')
    .send(JSON.stringify(body));
}

function intParam(query: Query, name: string): number | undefined {
  const text = first(query[name]);
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text))
    throw new InputError([{ path: name, message: `must be a whole number, got "${text.slice(0, 20)}"` }]);
  return Number(text);
}

async function readRange(ctx: ApiContext, log: ResolvedLog, query: Query): Promise<Omit<LogRange, 'cursor'>> {
  const lines = Math.min(intParam(query, 'lines') ?? intParam(query, 'tail') ?? DEFAULT_LINES, MAX_LINES);
  const from = intParam(query, 'from');
  const after = intParam(query, 'after');
  const before = intParam(query, 'before');
  const line = intParam(query, 'line');
  let chunks: LogChunk[];
  if (line !== undefined) {
    const start = await chunkOfLine(ctx, log.scope, line);
    chunks = await collect(ctx, log.scope, lines, { afterSeq: start - 1, order: 'asc' });
  } else if (after !== undefined) {
    chunks = await ctx.datastore.listLogChunks(log.scope, { afterSeq: after, order: 'asc', limit: 200 });
  } else if (from !== undefined) {
    chunks = await collect(ctx, log.scope, lines, { afterSeq: from - 1, order: 'asc' });
  } else {
    chunks = (await collect(ctx, log.scope, lines, { beforeSeq: before, order: 'desc' })).reverse();
  }
  const total = await ctx.datastore.getLogStats(log.scope);
  const totalLines = total.newlines + (total.endsWithNewline ? 0 : 1);
  const firstSeq = chunks[0]?.seq;
  const lastSeq = chunks[chunks.length - 1]?.seq;
  const beforeStats =
    firstSeq === undefined ? undefined : await ctx.datastore.getLogStats(log.scope, firstSeq);
  return {
    chunks: chunks.map((c) => toWire(ctx, log, c)),
    firstLine: beforeStats ? beforeStats.newlines + 1 : Math.max(totalLines, 1),
    hasBefore: (beforeStats?.parts ?? 0) > 0,
    hasAfter: lastSeq !== undefined && lastSeq < total.lastSeq,
    totalLines,
    lastSeq: total.lastSeq,
  };
}

/**
 * `seq` of the part holding the newline that ends line `line - 1` (so line `line` starts in it
 * or right after it); the first part for line 1, the last part when the log is shorter.
 */
async function chunkOfLine(ctx: ApiContext, scope: LogScope, line: number): Promise<number> {
  let newlines = 0;
  let afterSeq = 0;
  let last = 1;
  for (;;) {
    const batch = await ctx.datastore.listLogChunks(scope, { afterSeq, order: 'asc', limit: SCAN_BATCH });
    for (const chunk of batch) {
      newlines += countNewlines(chunk.contents);
      if (newlines >= line - 1) return chunk.seq;
      last = chunk.seq;
    }
    if (batch.length < SCAN_BATCH) return last;
    afterSeq = batch[batch.length - 1]!.seq;
  }
}

/** Parts in one direction until they hold `lines` newlines or the size cap. */
async function collect(
  ctx: ApiContext,
  scope: LogScope,
  lines: number,
  range: { afterSeq?: number; beforeSeq?: number; order: 'asc' | 'desc' },
): Promise<LogChunk[]> {
  const out: LogChunk[] = [];
  let newlines = 0;
  let chars = 0;
  let { afterSeq, beforeSeq } = range;
  for (;;) {
    const batch = await ctx.datastore.listLogChunks(scope, {
      afterSeq,
      beforeSeq,
      order: range.order,
      limit: 20,
    });
    for (const chunk of batch) {
      if (out.length > 0 && (newlines > lines || chars + chunk.contents.length > RANGE_MAX_CHARS)) return out;
      out.push(chunk);
      newlines += countNewlines(chunk.contents);
      chars += chunk.contents.length;
    }
    if (batch.length < 20) return out;
    const last = batch[batch.length - 1]!.seq;
    if (range.order === 'asc') afterSeq = last;
    else beforeSeq = last;
  }
}

function toWire(ctx: ApiContext, log: ResolvedLog, chunk: LogChunk): LogChunkWire {
  return {
    seq: chunk.seq,
    taskId: chunk.taskId,
    number: chunk.number,
    contents: ctx.redactor.redactText(chunk.contents, log.secrets),
    at: chunk.createdAt?.getTime(),
  };
}

/**
 * The whole log, redacted, read in batches. A task's log comes byte for byte as stored; a job's
 * is each task's log in execution order under a `==> name (id) <==` header, as `tail` prints
 * several files, so that the output of parallel tasks does not interleave.
 */
async function* allChunks(ctx: ApiContext, log: ResolvedLog): AsyncGenerator<string> {
  if ('taskId' in log.scope) {
    yield* taskChunks(ctx, log.scope.taskId, log.secrets);
    return;
  }
  for (const task of await ctx.datastore.getExecution(log.scope.jobId)) {
    let header = `==> ${task.name ?? 'task'} (${task.id}) <==\n`;
    let last = '\n';
    for await (const text of taskChunks(ctx, task.id!, log.secrets)) {
      yield header + text;
      header = '';
      last = text;
    }
    if (header === '' && !last.endsWith('\n')) yield '\n';
  }
}

async function* taskChunks(
  ctx: ApiContext,
  taskId: string,
  secrets: Record<string, string> | undefined,
): AsyncGenerator<string> {
  let afterSeq = 0;
  for (;;) {
    const batch = await ctx.datastore.listLogChunks(
      { taskId },
      { afterSeq, order: 'asc', limit: SCAN_BATCH },
    );
    for (const chunk of batch) yield ctx.redactor.redactText(chunk.contents, secrets);
    if (batch.length < SCAN_BATCH) return;
    afterSeq = batch[batch.length - 1]!.seq;
  }
}

/** Lines of the whole log, oldest first. */
export async function scanLines(
  ctx: ApiContext,
  scope: LogScope,
  secrets: Record<string, string> | undefined,
  emit: (line: ScannedLine) => void,
): Promise<void> {
  const scanner = new LineScanner();
  let afterSeq = 0;
  for (;;) {
    const batch = await ctx.datastore.listLogChunks(scope, { afterSeq, order: 'asc', limit: SCAN_BATCH });
    for (const chunk of batch)
      scanner.push(chunk.seq, ctx.redactor.redactText(chunk.contents, secrets), emit);
    if (batch.length < SCAN_BATCH) break;
    afterSeq = batch[batch.length - 1]!.seq;
  }
  scanner.end(emit);
}

async function searchLog(
  ctx: ApiContext,
  log: ResolvedLog,
  test: (line: string) => boolean,
): Promise<LogSearch> {
  const result: LogSearch = { count: 0, matches: [], truncated: false };
  await scanLines(ctx, log.scope, log.secrets, (line) => {
    const text = visibleText(line.text);
    if (!test(text)) return;
    result.count++;
    if (result.matches.length < MAX_MATCHES)
      result.matches.push({ line: line.line, seq: line.seq, text: text.slice(0, 500) });
    else result.truncated = true;
  });
  return result;
}

/** The last `count` lines of a task's log (visible text) and the number of the last one. */
export async function tailLines(
  ctx: ApiContext,
  taskId: string,
  secrets: Record<string, string> | undefined,
  count: number,
): Promise<{ lines: { line: number; text: string }[] }> {
  const log: ResolvedLog = { scope: { taskId }, secrets, filename: '' };
  const range = await readRange(ctx, log, { tail: String(count) });
  const scanner = new LineScanner(range.firstLine);
  const lines: { line: number; text: string }[] = [];
  const keep = (l: ScannedLine): void => {
    lines.push({ line: l.line, text: visibleText(l.text) });
  };
  for (const chunk of range.chunks) scanner.push(chunk.seq, chunk.contents, keep);
  scanner.end(keep);
  return { lines: lines.slice(-count) };
}
