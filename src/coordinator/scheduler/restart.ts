import type { Datastore } from '../../datastore/datastore.js';
import type { Job } from '../../model/job.js';
import type { Task } from '../../model/task.js';
import type { Effects } from '../effects.js';
import { evaluateEachList, expandEach } from './each.js';
import { latestAttempts } from './composite.js';
import { expandParallel } from './parallel.js';

const DONE = new Set(['COMPLETED', 'SKIPPED']);

/** A parallel or each task that failed or was cancelled can resume instead of starting over. */
export function isResumable(task: Task | undefined): task is Task {
  return !!task && (task.state === 'FAILED' || task.state === 'CANCELLED') && !!(task.parallel || task.each);
}

/**
 * Resume a failed or cancelled `parallel`/`each` task on restart: children that completed keep
 * their records and results; the others run again (a nested parallel/each child resumes the
 * same way). Returns an error message when the task cannot resume (e.g. its list no longer
 * evaluates), in which case the caller fails the job with it.
 */
export async function resumeComposite(
  tx: Datastore,
  job: Job,
  parent: Task,
  now: Date,
  effects: Effects,
): Promise<string | undefined> {
  const latest = latestAttempts(await tx.getChildTasks(parent.id!));
  const done = [...latest.entries()].filter(([, c]) => DONE.has(c.state!)).map(([i]) => i);
  const items = parent.each ? evaluateEachList(job, parent) : undefined;
  if (typeof items === 'string') return items;
  const total = parent.parallel ? parent.parallel.tasks.length : items!.length;
  const redo: number[] = [];
  const nested: Task[] = [];
  for (let i = 0; i < total; i++) {
    if (done.includes(i)) continue;
    const previous = latest.get(i);
    if (isResumable(previous)) nested.push(previous);
    else redo.push(i);
  }
  const resumed = await tx.updateTask(parent.id!, (t) => {
    t.state = 'RUNNING';
    t.error = undefined;
    t.failedAt = undefined;
    const block = t.parallel ?? t.each!;
    block.completions = done.length;
    block.failures = 0;
    if (t.each) {
      const concurrency = t.each.concurrency ?? 0;
      t.each.size = total;
      const windowed = concurrency > 0 ? Math.min(concurrency, redo.length) : redo.length;
      t.each.index = done.length + nested.length + windowed;
    }
  });
  for (const child of nested) {
    const problem = await resumeComposite(tx, job, child, now, effects);
    if (problem) return problem;
  }
  const broken = parent.parallel
    ? await expandParallel(tx, job, resumed, now, effects, redo)
    : await expandEach(tx, job, resumed, items!, now, effects, redo);
  return broken?.error;
}
