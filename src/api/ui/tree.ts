/**
 * A job's structure as the UI draws it: the definitions (`job.tasks`, so tasks that have not
 * started are there from the first second) with their task records folded in. Fan-outs (`each`,
 * and `parallel` blocks of more than {@link MAX_INLINE_CHILDREN} children) are one node with one
 * state letter per item instead of thousands of nodes. Pure: no I/O, and no Node-only code (the
 * web UI imports the types).
 */
import type { TaskState } from '../../model/states.js';
import type { Task, TaskKind } from '../../model/task.js';
import type { TaskBrief } from './shapes.js';

/** Parallel blocks with more children than this are drawn as one fan-out card. */
export const MAX_INLINE_CHILDREN = 12;

/** One letter per state in {@link FanOut.states}; `-` for an item with no record yet. */
export const STATE_CODES: Record<TaskState, string> = {
  CREATED: 'c',
  PENDING: 'p',
  SCHEDULED: 's',
  RUNNING: 'r',
  COMPLETED: 'd',
  FAILED: 'f',
  CANCELLED: 'x',
  SKIPPED: 'k',
  STOPPED: 't',
};

/** What the definition says, for badges and the drawer. */
export interface DefInfo {
  if?: string;
  queue?: string;
  image?: string;
  /** The script (redacted by the caller), shortened. */
  run?: string;
  pre?: number;
  post?: number;
  sidecars?: number;
  var?: string;
  retryLimit?: number;
  timeout?: string;
  /** `each.list` or the sub-job's name. */
  detail?: string;
}

export interface FanOut {
  /** Id of the newest record of the parent task (children hang under it). */
  parentId?: string;
  total: number;
  concurrency?: number;
  /** One {@link STATE_CODES} letter per item index (the newest attempt of each item). */
  states: string;
}

export interface ViewNode {
  /** Stable within a job: `3` for the third top-level task, `3.1` for its second child. */
  key: string;
  kind: TaskKind;
  name: string;
  /** The task records of this node, oldest first (retries and restarts each add one). */
  attempts: TaskBrief[];
  def: DefInfo;
  children?: ViewNode[];
  fanout?: FanOut;
}

const RUN_PREVIEW_CHARS = 2000;

/**
 * Fold `records` (every task record of the job) into the definitions. `redact` is applied to
 * script text, which the API's redaction rules leave alone.
 */
export function buildTree(
  defs: Task[],
  records: TaskBrief[],
  redact: (text: string) => string = (t) => t,
): ViewNode[] {
  const byParent = new Map<string, TaskBrief[]>();
  const topLevel = new Map<number, TaskBrief[]>();
  for (const record of records) {
    if (record.parentId) push(byParent, record.parentId, record);
    else push(topLevel, record.position, record);
  }
  const sortByCreation = (list: TaskBrief[]): TaskBrief[] =>
    list.sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0) || a.attempt - b.attempt);
  for (const list of byParent.values()) sortByCreation(list);
  for (const list of topLevel.values()) sortByCreation(list);

  const node = (def: Task, key: string, attempts: TaskBrief[]): ViewNode => {
    const out: ViewNode = {
      key,
      kind: kindOf(def),
      name: def.name ?? `task ${key}`,
      attempts,
      def: defInfo(def, redact),
    };
    const children = attempts.flatMap((a) => byParent.get(a.id) ?? []);
    const parentId = attempts[attempts.length - 1]?.id;
    if (def.parallel) {
      const defsOfChildren = def.parallel.tasks;
      if (defsOfChildren.length > MAX_INLINE_CHILDREN) {
        out.fanout = fanOut(defsOfChildren.length, children, parentId);
      } else {
        const slots = bySlot(children, defsOfChildren.length);
        out.children = defsOfChildren.map((child, i) => node(child, `${key}.${i}`, slots[i] ?? []));
      }
    } else if (def.each) {
      const size = attempts.reduce((n, a) => Math.max(n, a.fanSize ?? 0), 0);
      out.fanout = fanOut(Math.max(size, maxIndex(children) + 1), children, parentId, def.each.concurrency);
    } else if (def.subjob) {
      out.children = def.subjob.tasks.map((child, i) => node(child, `${key}.${i}`, []));
    }
    return out;
  };
  return defs.map((def, i) => node(def, String(i + 1), topLevel.get(i + 1) ?? []));
}

function push<K>(map: Map<K, TaskBrief[]>, key: K, record: TaskBrief): void {
  const list = map.get(key);
  if (list) list.push(record);
  else map.set(key, [record]);
}

function kindOf(def: Task): TaskKind {
  if (def.parallel) return 'parallel';
  if (def.each) return 'each';
  if (def.subjob) return 'subjob';
  return 'regular';
}

function maxIndex(children: TaskBrief[]): number {
  return children.reduce((n, c) => Math.max(n, c.childIndex ?? -1), -1);
}

/** Children grouped by `childIndex` (records without one fill the slots in creation order). */
function bySlot(children: TaskBrief[], size: number): TaskBrief[][] {
  const slots: TaskBrief[][] = Array.from({ length: size }, () => []);
  let next = 0;
  for (const child of children) {
    const index = child.childIndex ?? next++;
    slots[index]?.push(child);
  }
  return slots;
}

function fanOut(
  total: number,
  children: TaskBrief[],
  parentId: string | undefined,
  concurrency?: number,
): FanOut {
  const letters: string[] = Array.from({ length: total }, () => '-');
  // Children come oldest first, so the newest attempt of each item is written last.
  for (const [i, child] of children.entries()) {
    const index = child.childIndex ?? i;
    if (index >= 0 && index < total) letters[index] = STATE_CODES[child.state] ?? '-';
  }
  const out: FanOut = { total, states: letters.join('') };
  if (parentId) out.parentId = parentId;
  if (concurrency) out.concurrency = concurrency;
  return out;
}

function defInfo(def: Task, redact: (text: string) => string): DefInfo {
  const info: DefInfo = {};
  if (def.if) info.if = def.if;
  if (def.queue) info.queue = def.queue;
  if (def.image) info.image = def.image;
  if (def.run) info.run = redact(def.run).slice(0, RUN_PREVIEW_CHARS);
  if (def.pre?.length) info.pre = def.pre.length;
  if (def.post?.length) info.post = def.post.length;
  if (def.sidecars?.length) info.sidecars = def.sidecars.length;
  if (def.var) info.var = def.var;
  if (def.retry?.limit) info.retryLimit = def.retry.limit;
  if (def.timeout) info.timeout = def.timeout;
  if (def.each) info.detail = def.each.list;
  if (def.subjob) info.detail = def.subjob.name;
  return info;
}
