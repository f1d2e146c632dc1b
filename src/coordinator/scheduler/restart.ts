import type { Datastore } from '../../datastore/datastore.js';
import type { Job } from '../../model/job.js';
import type { Task } from '../../model/task.js';
import type { Effects } from '../effects.js';
import { evaluateEachList, expandEach } from './each.js';
import { latestAttempts } from './composite.js';
import { expandParallel } from './parallel.js';

const DONE = new Set(['COMPLETED', 'SKIPPED']);

/**
 * What became of a task asked to resume: resumed in place; to be created afresh; marked
 * COMPLETED because nothing was left to run in it (the caller moves on); or failed.
 */
export type ResumeOutcome = 'resumed' | 'redo' | 'done' | { error: string };

/**
 * A failed or cancelled `parallel`, `each` or attached `subjob` task can resume instead of
 * starting over (a sub-job that can no longer restart is redone, see `resumeTask`).
 */
export function isResumable(task: Task | undefined): task is Task {
  if (!task || (task.state !== 'FAILED' && task.state !== 'CANCELLED')) return false;
  return !!(task.parallel || task.each || (task.subjob?.id && !task.subjob.detached));
}

/**
 * Resume a task for which `isResumable` holds: a composite keeps its completed children, a
 * sub-job task restarts its sub-job (which in turn re-runs only what did not complete there).
 */
export async function resumeTask(
  tx: Datastore,
  job: Job,
  task: Task,
  now: Date,
  effects: Effects,
): Promise<ResumeOutcome> {
  if (task.subjob) return resumeSubJob(tx, task, effects);
  return resumeComposite(tx, job, task, now, effects);
}

/**
 * Restart the sub-job of a subjob task and put the task back to RUNNING; the sub-job's end
 * settles it as usual. A sub-job that cannot restart (gone, still stopping, or failed after its
 * last task) is redone from scratch by the caller.
 */
async function resumeSubJob(tx: Datastore, task: Task, effects: Effects): Promise<ResumeOutcome> {
  const sub = await tx.findJob(task.subjob!.id!);
  const restartable =
    !!sub &&
    (sub.state === 'FAILED' || sub.state === 'CANCELLED') &&
    sub.position >= 1 &&
    sub.position <= sub.taskCount;
  if (!restartable) return 'redo';
  await tx.updateTask(task.id!, (t) => {
    t.state = 'RUNNING';
    t.error = undefined;
    t.failedAt = undefined;
  });
  effects.restartJob(sub);
  return 'resumed';
}

/**
 * Resume a failed or cancelled `parallel`/`each` task on restart: children that completed keep
 * their records and results; the others run again (a composite or sub-job child resumes the
 * same way). An error (e.g. the list no longer evaluates) is for the caller to fail the job with.
 */
async function resumeComposite(
  tx: Datastore,
  job: Job,
  parent: Task,
  now: Date,
  effects: Effects,
): Promise<ResumeOutcome> {
  const latest = latestAttempts(await tx.getChildTasks(parent.id!));
  const done = [...latest.entries()].filter(([, c]) => DONE.has(c.state!)).map(([i]) => i);
  const items = parent.each ? evaluateEachList(job, parent) : undefined;
  if (typeof items === 'string') return { error: items };
  const total = parent.parallel ? parent.parallel.tasks.length : items!.length;
  const redo: number[] = [];
  let resumed = 0;
  for (let i = 0; i < total; i++) {
    if (done.includes(i)) continue;
    const previous = latest.get(i);
    if (!isResumable(previous)) {
      redo.push(i);
      continue;
    }
    const outcome = await resumeTask(tx, job, previous, now, effects);
    if (outcome === 'redo') redo.push(i);
    else if (outcome === 'resumed') resumed++;
    else if (outcome === 'done') done.push(i);
    else return outcome;
  }
  if (redo.length === 0 && resumed === 0) {
    // Nothing left to run (an each list that shrank): the task is complete as it stands.
    await tx.updateTask(parent.id!, (t) => {
      t.state = 'COMPLETED';
      t.completedAt = now;
      t.error = undefined;
      t.failedAt = undefined;
    });
    return 'done';
  }
  const concurrency = parent.each?.concurrency ?? 0;
  // Children resumed in place are running again: they take their seats in the window first.
  const window = concurrency > 0 ? Math.max(0, Math.min(concurrency - resumed, redo.length)) : redo.length;
  const updated = await tx.updateTask(parent.id!, (t) => {
    t.state = 'RUNNING';
    t.error = undefined;
    t.failedAt = undefined;
    const block = t.parallel ?? t.each!;
    block.completions = done.length;
    block.failures = 0;
    if (t.each) {
      t.each.size = total;
      t.each.index = done.length + resumed + window;
    }
  });
  const broken = parent.parallel
    ? await expandParallel(tx, job, updated, now, effects, redo)
    : await expandEach(tx, job, updated, items!, now, effects, redo, window);
  return broken?.error === undefined ? 'resumed' : { error: broken.error };
}
