import type { Datastore } from '../../datastore/datastore.js';
import { coerceError } from '../../errors.js';
import { evaluateExpression } from '../../expr/evaluate.js';
import { extractExpression } from '../../expr/template.js';
import type { Job } from '../../model/job.js';
import type { Task } from '../../model/task.js';
import type { Effects } from '../effects.js';
import { contextOf } from '../evaluate.js';
import { newTaskRecord } from '../task-factory.js';

/** The list an `each` task iterates over, or a message saying why there is none. */
export function evaluateEachList(job: Job, parent: Task): unknown[] | string {
  let value: unknown;
  try {
    value = evaluateExpression(extractExpression(parent.each!.list), contextOf(job));
  } catch (err) {
    return coerceError(err).message;
  }
  return Array.isArray(value) ? value : 'each.list does not evaluate to a list';
}

/**
 * Create one child per item (or per item of `indexes`, on restart). Children beyond the window
 * (`concurrency`, or `window` seats on restart) are created in state CREATED and released one by
 * one as others finish. Returns the first child that failed to evaluate.
 */
export async function expandEach(
  tx: Datastore,
  job: Job,
  parent: Task,
  items: unknown[],
  now: Date,
  effects: Effects,
  indexes?: number[],
  window?: number,
): Promise<Task | undefined> {
  const each = parent.each!;
  const concurrency = each.concurrency ?? 0;
  const which = indexes ?? items.map((_, i) => i);
  const seats = window ?? (concurrency > 0 ? concurrency : which.length);
  const children: Task[] = [];
  for (const [n, i] of which.entries()) {
    const runsNow = n < seats;
    const child = newTaskRecord(job, each.task, {
      position: parent.position!,
      parentId: parent.id!,
      now,
      state: runsNow ? 'PENDING' : 'CREATED',
      extraContext: { [each.var || 'item']: { index: String(i), value: items[i] } },
    });
    child.childIndex = i;
    if (child.state === 'FAILED') return child;
    children.push(child);
  }
  await tx.createTasks(children);
  for (const child of children) if (child.state === 'PENDING') effects.pending(child);
  return undefined;
}

/** Release the next waiting child of an `each` whose window moved. */
export async function releaseNextEachChild(tx: Datastore, parentId: string, effects: Effects): Promise<void> {
  const next = await tx.findNextCreatedChild(parentId);
  if (!next) return;
  const released = await tx.updateTask(next.id!, (t) => {
    if (t.state === 'CREATED') t.state = 'PENDING';
  });
  if (released.state === 'PENDING') effects.pending(released);
}
