/**
 * `/ui/api/jobs`, `/ui/api/jobs/:id/view`, `/ui/api/tasks/:id`, `/ui/api/tasks/:id/children`:
 * the job list with filters, a job folded into its structure, one task with the reasons it
 * waits, and the items of a fan-out, page by page.
 */
import type { FastifyInstance } from 'fastify';
import { InputError } from '../../errors.js';
import type { Job } from '../../model/job.js';
import { JOB_STATES, type JobState } from '../../model/states.js';
import type { Task } from '../../model/task.js';
import { taskToWire } from '../../model/wire.js';
import type { ApiContext } from '../context.js';
import { first } from '../paging.js';
import { findVisibleJob, findVisibleTask } from '../auth/access.js';
import { listFilterOf } from '../auth/principal.js';
import type { EventHub } from './hub.js';
import { tailLines } from './logs.js';
import { ERROR_PATTERN } from './log-text.js';
import { sendSnapshot } from './snapshot.js';
import { jobBrief, taskBrief, type JobBrief } from './shapes.js';
import { buildTree, STATE_CODES } from './tree.js';
import { readFacts, whyNotRunning } from './why.js';

type Query = Record<string, string | string[] | undefined>;

/** The job page's header: the summary plus what the definition adds, redacted. */
export interface JobDetail extends JobBrief {
  /** Names of the secrets that are set (never their values). */
  secrets?: string[];
  output?: string;
  defaults?: unknown;
  autoDelete?: string;
  webhooks?: number;
}

export interface Failure {
  taskId: string;
  path: string;
  error?: string;
  exitCode?: number;
  killedBy?: string;
  nodeId?: string;
  lines: { line: number; text: string }[];
  /** The line "Open log at failure" lands on. */
  line?: number;
}

const MAX_WHY = 50;

export function registerJobViewRoutes(app: FastifyInstance, ctx: ApiContext, hub: EventHub): void {
  app.get<{ Querystring: Query }>('/api/jobs', async (request, reply) => {
    const q = request.query;
    const cursor = await hub.snapshotCursor();
    const list = await ctx.datastore.listJobSummaries({
      states: parseStates(first(q.state)),
      q: [
        first(q.q),
        ...(first(q.tag) ?? '')
          .split(',')
          .filter(Boolean)
          .map((t) => `tag:${t}`),
      ]
        .filter(Boolean)
        .join(' '),
      since: parseDate(first(q.since), 'since'),
      until: parseDate(first(q.until), 'until'),
      scheduledJobId: first(q.schedule) || undefined,
      parentId: first(q.parent) || undefined,
      cursor: first(q.cursor) || undefined,
      limit: Math.min(Math.max(Number(first(q.limit)) || 50, 1), 200),
      ...listFilterOf(request.principal),
    });
    const items = list.items.map((job) => jobBrief(ctx.redactor.redactSummary(job)));
    return sendSnapshot(request, reply, { items, next: list.next }, cursor);
  });

  app.get<{ Params: { id: string } }>('/api/jobs/:id/view', async (request, reply) => {
    const cursor = await hub.snapshotCursor();
    const job = await findVisibleJob(ctx, request, request.params.id);
    const execution = await ctx.datastore.getExecution(job.id);
    const records = execution.map((t) => taskBrief(ctx.redactor.redactTask(t, job.secrets)));
    const redacted = ctx.redactor.redactJob(job);
    const tree = buildTree(redacted.tasks, records, (text) => ctx.redactor.redactText(text, job.secrets));
    const failure = job.state === 'FAILED' ? await findFailure(ctx, job, execution) : undefined;
    const why = await waitingReasons(ctx, execution);
    const parentTask = job.parentId ? await ctx.datastore.findTask(job.parentId) : undefined;
    const parentJob = parentTask?.jobId ? await ctx.datastore.findJob(parentTask.jobId) : undefined;
    const parent = parentJob
      ? { jobId: parentJob.id, name: parentJob.name, taskId: job.parentId }
      : undefined;
    return sendSnapshot(request, reply, { job: jobDetail(ctx, job), tree, failure, why, parent }, cursor);
  });

  app.get<{ Params: { id: string } }>('/api/tasks/:id', async (request, reply) => {
    const cursor = await hub.snapshotCursor();
    const { task, job } = await findVisibleTask(ctx, request, request.params.id);
    const secrets = job?.secrets;
    const redacted = ctx.redactor.redactTask(task, secrets);
    if (redacted.run) redacted.run = ctx.redactor.redactText(redacted.run, secrets);
    const why = await whyNotRunning(task, await readFacts(ctx));
    return sendSnapshot(
      request,
      reply,
      { brief: taskBrief(redacted), task: taskToWire(redacted), why },
      cursor,
    );
  });

  app.get<{ Params: { id: string }; Querystring: Query }>(
    '/api/tasks/:id/children',
    async (request, reply) => {
      const cursor = await hub.snapshotCursor();
      const { task: parent, job } = await findVisibleTask(ctx, request, request.params.id);
      const secrets = job?.secrets;
      const wanted = new Set((first(request.query.states) ?? '').split(''));
      const latest = new Map<number, { task: Task; attempts: number }>();
      for (const [i, child] of (await ctx.datastore.getChildTasks(parent.id!)).entries()) {
        const index = child.childIndex ?? i;
        const seen = latest.get(index);
        latest.set(index, { task: child, attempts: (seen?.attempts ?? 0) + 1 });
      }
      const rows = [...latest.entries()]
        .sort(([a], [b]) => a - b)
        .filter(([, { task }]) => wanted.size === 0 || wanted.has(STATE_CODES[task.state ?? 'CREATED']));
      const offset = Math.max(Number(first(request.query.offset)) || 0, 0);
      const limit = Math.min(Math.max(Number(first(request.query.limit)) || 100, 1), 1000);
      const items = rows.slice(offset, offset + limit).map(([index, { task, attempts }]) => ({
        ...taskBrief(ctx.redactor.redactTask(task, secrets)),
        childIndex: index,
        attempts,
      }));
      return sendSnapshot(request, reply, { total: rows.length, offset, items }, cursor);
    },
  );
}

function parseStates(text: string | undefined): JobState[] | undefined {
  if (!text) return undefined;
  const states = text
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  for (const state of states) {
    if (!(JOB_STATES as readonly string[]).includes(state))
      throw new InputError([
        {
          path: 'state',
          message: `unknown state "${state.slice(0, 20)}" (allowed: ${JOB_STATES.join(', ')})`,
        },
      ]);
  }
  return states as JobState[];
}

function parseDate(text: string | undefined, name: string): Date | undefined {
  if (!text) return undefined;
  const date = /^\d+$/.test(text) ? new Date(Number(text)) : new Date(text);
  if (Number.isNaN(date.getTime()))
    throw new InputError([{ path: name, message: `is not a date: "${text.slice(0, 30)}"` }]);
  return date;
}

function jobDetail(ctx: ApiContext, job: Job): JobDetail {
  const redacted = ctx.redactor.redactJob(job);
  const detail: JobDetail = jobBrief(ctx.redactor.redactSummary(job));
  const secretNames = Object.keys(job.secrets ?? {});
  if (secretNames.length) detail.secrets = secretNames;
  if (redacted.output) detail.output = redacted.output;
  if (redacted.defaults) detail.defaults = redacted.defaults;
  if (redacted.autoDelete?.after) detail.autoDelete = redacted.autoDelete.after;
  if (redacted.webhooks?.length) detail.webhooks = redacted.webhooks.length;
  return detail;
}

/** The first task that failed for good (earliest `failedAt` among failed regular tasks). */
async function findFailure(ctx: ApiContext, job: Job, execution: Task[]): Promise<Failure | undefined> {
  const failed = execution
    .filter((t) => t.state === 'FAILED' && !t.parallel && !t.each && !t.subjob)
    .sort((a, b) => (a.failedAt?.getTime() ?? 0) - (b.failedAt?.getTime() ?? 0));
  const task = failed[0] ?? execution.filter((t) => t.state === 'FAILED').pop();
  if (!task) return undefined;
  const byId = new Map(execution.map((t) => [t.id, t]));
  const path: string[] = [];
  for (let t: Task | undefined = task; t; t = t.parentId ? byId.get(t.parentId) : undefined) {
    path.unshift(
      t.childIndex !== undefined && t.parentId ? `${t.name ?? 'task'} [${t.childIndex}]` : (t.name ?? 'task'),
    );
  }
  const redacted = ctx.redactor.redactTask(task, job.secrets);
  const { lines } = await tailLines(ctx, task.id!, job.secrets, 20);
  const errorLine = [...lines].reverse().find((l) => ERROR_PATTERN.test(l.text)) ?? lines[lines.length - 1];
  return {
    taskId: task.id!,
    path: path.join(' › '),
    error: redacted.error,
    exitCode: task.exitCode,
    killedBy: task.killedBy,
    nodeId: task.nodeId,
    lines,
    line: errorLine?.line,
  };
}

/** Reasons for the tasks that wait (at most {@link MAX_WHY}), by task id. */
async function waitingReasons(ctx: ApiContext, execution: Task[]): Promise<Record<string, string[]>> {
  const waiting = execution.filter(
    (t) => t.state === 'SCHEDULED' || t.state === 'PENDING' || t.state === 'RUNNING',
  );
  if (waiting.length === 0) return {};
  const facts = await readFacts(ctx, new Map(execution.map((t) => [t.id!, t])));
  const out: Record<string, string[]> = {};
  for (const task of waiting.slice(0, MAX_WHY)) {
    const reasons = await whyNotRunning(task, facts);
    if (reasons.length) out[task.id!] = reasons;
  }
  return out;
}
