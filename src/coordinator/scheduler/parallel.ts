import type { Datastore } from '../../datastore/datastore.js';
import type { Job } from '../../model/job.js';
import type { Task } from '../../model/task.js';
import type { Effects } from '../effects.js';
import { newTaskRecord } from '../task-factory.js';

/**
 * Expand a `parallel` task: every child is created and sent at once. Returns the first child
 * that failed to evaluate (the caller fails the parent with it), if any.
 */
export async function expandParallel(
  tx: Datastore,
  job: Job,
  parent: Task,
  now: Date,
  effects: Effects,
  indexes?: number[],
): Promise<Task | undefined> {
  const definitions = parent.parallel!.tasks;
  const which = indexes ?? definitions.map((_, i) => i);
  const children = which.map((i) => {
    const child = newTaskRecord(job, definitions[i]!, { position: parent.position!, parentId: parent.id!, now });
    child.childIndex = i;
    return child;
  });
  const broken = children.find((c) => c.state === 'FAILED');
  if (broken) return broken;
  await tx.createTasks(children);
  for (const child of children) effects.pending(child);
  return undefined;
}
