/**
 * `/ui/api/overview`, `/ui/api/nodes`, `/ui/api/queues`: cluster state with what needs
 * attention spelled out (UI.md §2). The stream pushes the same views while they change.
 */
import type { FastifyInstance } from 'fastify';
import { isCoordinatorQueue, type QueueInfo } from '../../broker/broker.js';
import { NODE_LISTED_FOR_MS, NODE_OFFLINE_AFTER_MS } from '../../model/node.js';
import type { Task } from '../../model/task.js';
import type { ApiContext } from '../context.js';
import type { Principal } from '../auth/principal.js';
import { listFilterOf } from '../auth/principal.js';
import type { EventHub } from './hub.js';
import { jobVisibility, visibleOnly } from './visibility.js';
import { jobBrief, type JobBrief } from './shapes.js';
import { sendSnapshot } from './snapshot.js';
import { inWords } from './why.js';

/** Tasks SCHEDULED for longer than this are listed under "needs attention". */
export const STUCK_AFTER_MS = 5 * 60_000;
const DAY_MS = 24 * 60 * 60_000;

export interface NodeView {
  id: string;
  name: string;
  role: 'coordinator' | 'worker';
  status: 'UP' | 'DOWN' | 'OFFLINE';
  hostname?: string;
  version: string;
  versionSkew: boolean;
  queue?: string;
  cpuPercent?: number;
  startedAt: number;
  lastHeartbeatAt: number;
  running: { id: string; jobId: string; name?: string }[];
}

export interface QueueView extends QueueInfo {
  /** Coordinator and node-private queues: never a task's queue. */
  internal: boolean;
  /** Tasks SCHEDULED on this queue (at most 10), oldest first. */
  waiting: { id: string; jobId: string; name?: string; since?: number }[];
  oldestWaitingMs?: number;
  warning?: string;
}

export interface Attention {
  kind: 'failed-job' | 'stuck-task' | 'node-down' | 'queue-unserved' | 'version-skew';
  title: string;
  detail?: string;
  /** A UI path (under `/ui`) where it can be fixed. */
  link: string;
}

export interface OverviewView {
  tiles: {
    runningJobs: number;
    runningTasks: number;
    waitingTasks: number;
    nodesOnline: number;
    failed24h: number;
  };
  attention: Attention[];
  recent: JobBrief[];
}

export async function nodesView(ctx: ApiContext, principal?: Principal): Promise<NodeView[]> {
  const now = Date.now();
  const [nodes, inFlight] = await Promise.all([
    ctx.datastore.getActiveNodes(new Date(now - NODE_LISTED_FOR_MS)),
    ctx.datastore.listTasksInFlight(['RUNNING']),
  ]);
  const running = await visibleOnly(inFlight, (t) => t.jobId, jobVisibility(ctx, principal));
  return nodes
    .map((node) => {
      const stale = now - node.lastHeartbeatAt.getTime() > NODE_OFFLINE_AFTER_MS;
      const view: NodeView = {
        id: node.id,
        name: node.name,
        role: node.queue ? 'worker' : 'coordinator',
        status: node.status === 'UP' && stale ? 'OFFLINE' : node.status,
        version: node.version,
        versionSkew: node.version !== ctx.version,
        startedAt: node.startedAt.getTime(),
        lastHeartbeatAt: node.lastHeartbeatAt.getTime(),
        running: running
          .filter((t) => t.nodeId === node.id)
          .slice(0, 20)
          .map((t) => ({ id: t.id!, jobId: t.jobId!, name: t.name })),
      };
      if (node.hostname) view.hostname = node.hostname;
      if (node.queue) view.queue = node.queue;
      if (node.cpuPercent !== undefined) view.cpuPercent = node.cpuPercent;
      return view;
    })
    .sort((a, b) => a.role.localeCompare(b.role) || a.name.localeCompare(b.name));
}

export async function queuesView(
  ctx: ApiContext,
  principal?: Principal,
  scheduled?: Task[],
): Promise<QueueView[]> {
  const now = Date.now();
  const [queues, inFlight] = await Promise.all([
    ctx.broker.queues(),
    scheduled ? Promise.resolve(scheduled) : ctx.datastore.listTasksInFlight(['SCHEDULED']),
  ]);
  // Counts stay whole (they are the broker's); only the listed tasks are filtered.
  const waitingTasks = await visibleOnly(inFlight, (t) => t.jobId, jobVisibility(ctx, principal));
  return queues
    .map((q) => {
      const internal = isCoordinatorQueue(q.name) || q.name.startsWith('x-');
      const waiting = waitingTasks
        .filter((t) => (t.queue ?? 'default') === q.name)
        .sort((a, b) => (a.scheduledAt?.getTime() ?? 0) - (b.scheduledAt?.getTime() ?? 0));
      const oldest = waiting[0]?.scheduledAt;
      const view: QueueView = {
        name: q.name,
        size: q.size,
        subscribers: q.subscribers,
        unacked: q.unacked,
        internal,
        waiting: waiting
          .slice(0, 10)
          .map((t) => ({ id: t.id!, jobId: t.jobId!, name: t.name, since: t.scheduledAt?.getTime() })),
      };
      if (oldest) view.oldestWaitingMs = now - oldest.getTime();
      if (!internal && q.size > 0 && q.subscribers === 0)
        view.warning = `${q.size} waiting, 0 workers subscribe: no worker will run these`;
      return view;
    })
    .sort((a, b) => Number(a.internal) - Number(b.internal) || a.name.localeCompare(b.name));
}

export async function overviewView(ctx: ApiContext, principal?: Principal): Promise<OverviewView> {
  const now = Date.now();
  const filter = listFilterOf(principal);
  const [metrics, failed, inFlight, nodes, recent] = await Promise.all([
    ctx.datastore.getMetrics(new Date(now)),
    ctx.datastore.listJobSummaries({
      states: ['FAILED'],
      since: new Date(now - DAY_MS),
      limit: 200,
      ...filter,
    }),
    ctx.datastore.listTasksInFlight(['SCHEDULED']),
    nodesView(ctx, principal),
    ctx.datastore.listJobSummaries({ limit: 8, ...filter }),
  ]);
  const scheduled = await visibleOnly(inFlight, (t) => t.jobId, jobVisibility(ctx, principal));
  const queues = await queuesView(ctx, undefined, scheduled);
  const attention: Attention[] = [];
  for (const job of failed.items.slice(0, 20)) {
    attention.push({
      kind: 'failed-job',
      title: `Job "${job.name}" failed`,
      detail: firstLine(ctx.redactor.redactSummary(job).error),
      link: `/jobs/${job.id}`,
    });
  }
  for (const task of scheduled
    .filter((t) => now - (t.scheduledAt?.getTime() ?? now) > STUCK_AFTER_MS)
    .slice(0, 20)) {
    const queue = queues.find((q) => q.name === (task.queue ?? 'default'));
    const reason = queue && queue.subscribers === 0 ? ': 0 workers subscribe to this queue' : '';
    attention.push({
      kind: 'stuck-task',
      title: `Task "${task.name ?? task.id}" queued on "${task.queue ?? 'default'}" for ${inWords(now - task.scheduledAt!.getTime())}${reason}`,
      link: `/jobs/${task.jobId}?task=${task.id}`,
    });
  }
  for (const node of nodes.filter((n) => n.status !== 'UP')) {
    attention.push({
      kind: 'node-down',
      title: `Node ${node.name} is ${node.status}`,
      detail: `last heartbeat ${inWords(now - node.lastHeartbeatAt)} ago`,
      link: '/nodes',
    });
  }
  for (const queue of queues.filter((q) => q.warning)) {
    attention.push({
      kind: 'queue-unserved',
      title: `Queue "${queue.name}": ${queue.warning}`,
      link: '/queues',
    });
  }
  for (const node of nodes.filter((n) => n.versionSkew)) {
    attention.push({
      kind: 'version-skew',
      title: `Node ${node.name} runs version ${node.version}`,
      detail: `this server runs ${ctx.version}`,
      link: '/nodes',
    });
  }
  return {
    tiles: {
      runningJobs: metrics.jobs.running,
      runningTasks: metrics.tasks.running,
      waitingTasks: queues.filter((q) => !q.internal).reduce((n, q) => n + q.size, 0),
      nodesOnline: nodes.filter((n) => n.status === 'UP').length,
      failed24h: failed.items.length,
    },
    attention,
    recent: recent.items.map((job) => jobBrief(ctx.redactor.redactSummary(job))),
  };
}

function firstLine(text: string | undefined): string | undefined {
  return text
    ?.split('\n')
    .find((l) => l.trim() !== '')
    ?.slice(0, 300);
}

export function registerClusterRoutes(app: FastifyInstance, ctx: ApiContext, hub: EventHub): void {
  app.get('/api/overview', async (request, reply) => {
    const cursor = await hub.snapshotCursor();
    return sendSnapshot(request, reply, await overviewView(ctx, request.principal), cursor);
  });
  app.get('/api/nodes', async (request, reply) => {
    const cursor = await hub.snapshotCursor();
    return sendSnapshot(
      request,
      reply,
      { items: await nodesView(ctx, request.principal), version: ctx.version },
      cursor,
    );
  });
  app.get('/api/queues', async (request, reply) => {
    const cursor = await hub.snapshotCursor();
    return sendSnapshot(request, reply, { items: await queuesView(ctx, request.principal) }, cursor);
  });
}
