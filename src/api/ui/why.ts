/**
 * "Why is this task not running?" in words, from data the engine already has: the task's
 * state and queue, the broker's queue counts, the nodes' heartbeats and versions (UI.md §2).
 */
import type { QueueInfo } from '../../broker/broker.js';
import { DEFAULT_QUEUE } from '../../broker/broker.js';
import { NODE_OFFLINE_AFTER_MS, type Node } from '../../model/node.js';
import type { Task } from '../../model/task.js';
import type { ApiContext } from '../context.js';

/** A duration in the largest sensible unit: `40 s`, `6 min`, `2 h 5 min`, `3 d`. */
export function inWords(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 90) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  return `${Math.round(h / 24)} d`;
}

/** What the reasons are computed from; read once per request and shared by many tasks. */
export interface WhyFacts {
  now: Date;
  version: string;
  queues: Map<string, QueueInfo>;
  nodes: Map<string, Node>;
  /** Children of `each`/`parallel` parents in flight, by parent id (for concurrency slots). */
  busyChildren: (parentId: string) => Promise<{ busy: number; limit?: number; name?: string }>;
}

export async function readFacts(ctx: ApiContext, parents: Map<string, Task> = new Map()): Promise<WhyFacts> {
  const now = new Date();
  const [queues, nodes] = await Promise.all([
    ctx.broker.queues().catch(() => [] as QueueInfo[]),
    ctx.datastore.getActiveNodes(new Date(now.getTime() - 10 * 60_000)),
  ]);
  return {
    now,
    version: ctx.version,
    queues: new Map(queues.map((q) => [q.name, q])),
    nodes: new Map(nodes.map((n) => [n.id, n])),
    busyChildren: async (parentId) => {
      const parent = parents.get(parentId) ?? (await ctx.datastore.findTask(parentId));
      const children = await ctx.datastore.getChildTasks(parentId);
      const busy = children.filter(
        (c) => c.state === 'PENDING' || c.state === 'SCHEDULED' || c.state === 'RUNNING',
      ).length;
      return { busy, limit: parent?.each?.concurrency, name: parent?.name };
    },
  };
}

/** Sentences for a task that is waiting or whose worker looks gone; empty when nothing to say. */
export async function whyNotRunning(task: Task, facts: WhyFacts): Promise<string[]> {
  const out: string[] = [];
  const since = (date: Date | undefined): string =>
    inWords(facts.now.getTime() - (date ?? facts.now).getTime());
  if (task.state === 'CREATED' && task.parentId) {
    const { busy, limit, name } = await facts.busyChildren(task.parentId);
    const block = name ? `"${name}"` : 'its block';
    out.push(
      limit
        ? `waiting for a concurrency slot in ${block} (${busy}/${limit} in use)`
        : `waiting for its turn in ${block}`,
    );
  }
  if (task.state === 'PENDING') out.push(`waiting to be scheduled for ${since(task.createdAt)}`);
  if (task.state === 'SCHEDULED') {
    const name = task.queue ?? DEFAULT_QUEUE;
    const queue = facts.queues.get(name);
    const subscribers = queue?.subscribers ?? 0;
    const head = `queued on "${name}" for ${since(task.scheduledAt ?? task.createdAt)}`;
    if (subscribers === 0) out.push(`${head}: 0 workers subscribe to this queue`);
    else
      out.push(
        `${head}: ${queue?.size ?? 0} waiting, ${subscribers} worker${subscribers === 1 ? '' : 's'} subscribe`,
      );
  }
  if ((task.state === 'RUNNING' || task.state === 'SCHEDULED') && task.nodeId) {
    const node = facts.nodes.get(task.nodeId);
    const silentMs = node ? facts.now.getTime() - node.lastHeartbeatAt.getTime() : undefined;
    if (!node) out.push(`worker ${task.nodeId} has not been heard from; the task will be sent again`);
    else if (silentMs! > NODE_OFFLINE_AFTER_MS)
      out.push(
        `worker ${node.name} stopped heart-beating ${inWords(silentMs!)} ago; the task will be sent again`,
      );
    else if (node.version !== facts.version)
      out.push(`runs on ${node.name}, version ${node.version} (this server runs ${facts.version})`);
  }
  return out;
}
