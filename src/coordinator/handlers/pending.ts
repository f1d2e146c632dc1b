import type { Datastore } from '../../datastore/datastore.js';
import type { Job } from '../../model/job.js';
import { isJobActive, isTaskActive } from '../../model/states.js';
import { taskKind, type Task } from '../../model/task.js';
import type { HandlerDeps } from '../deps.js';
import type { Effects } from '../effects.js';
import { isSkipped } from '../evaluate.js';
import { scheduleCompositeTask } from '../scheduler/composite.js';
import { applyDefaults, scheduleRegularTask } from '../scheduler/regular.js';
import { completeTask } from './completed.js';

/**
 * The `pending` queue: a task whose turn has come. Skips it (`if` is false), sends a regular
 * task to its worker queue, or expands a composite task.
 */
export async function handlePending(deps: HandlerDeps, task: Task): Promise<void> {
  const job = await deps.ds.findJob(task.jobId!);
  if (!job) {
    deps.logger.warn({ taskId: task.id, jobId: task.jobId }, 'pending task of an unknown job dropped');
    return;
  }
  if (!isJobActive(job.state)) {
    // Tork dispatched such tasks anyway; a task of a stopped job never starts here.
    await deps.ds.updateTask(task.id!, (t) => {
      if (isTaskActive(t.state!)) t.state = 'CANCELLED';
    });
    return;
  }
  if (isSkipped(task)) {
    const now = deps.now();
    await completeTask(deps, { ...task, state: 'SKIPPED', scheduledAt: now, startedAt: now, completedAt: now });
    return;
  }
  if (taskKind(task) === 'regular') await scheduleRegularTask(deps, job, task);
  else await scheduleCompositeTask(deps, job, task);
}

/** Run the pending handler for the tasks a transaction produced, after it committed. */
export async function handlePendingTasks(deps: HandlerDeps, effects: Effects): Promise<void> {
  for (const { task, delayMs } of effects.delayedTasks) deps.later(task, delayMs);
  for (const task of effects.pendingTasks) await handlePending(deps, task);
}

/**
 * Schedule a task that is about to be created, when it needs nothing more than PENDING →
 * SCHEDULED (a regular task, not skipped, of an active job), as `scheduleRegularTask` would, and
 * queue its dispatch. Call before inserting it: the task is then written once, in the transaction
 * that creates it. False when it must go through the pending handler.
 */
export function scheduleOnCreate(job: Job, task: Task, now: Date, effects: Effects): boolean {
  if (task.state !== 'PENDING' || !isReadyToSchedule(job, task)) return false;
  markScheduled(task, job, now);
  dispatch(task, effects);
  return true;
}

/**
 * The same for the pending tasks a transaction has created, inside it, sparing each its own
 * transaction after the commit. The others stay in `effects.pendingTasks` for
 * `handlePendingTasks`.
 */
export async function schedulePendingInTransaction(deps: HandlerDeps, tx: Datastore, effects: Effects): Promise<void> {
  if (effects.pendingTasks.length === 0) return;
  // The jobs this transaction wrote are current: no need to read them again.
  const jobs = new Map<string, Job | undefined>();
  for (const change of effects.changes) if ('job' in change) jobs.set(change.job.id, change.job);
  const rest: Task[] = [];
  for (const task of effects.pendingTasks) {
    const jobId = task.jobId!;
    if (taskKind(task) === 'regular' && !isSkipped(task) && !jobs.has(jobId)) jobs.set(jobId, await tx.findJob(jobId));
    const job = jobs.get(jobId);
    if (!job || !isReadyToSchedule(job, task)) {
      rest.push(task);
      continue;
    }
    let scheduled = false;
    const stored = await tx.updateTask(task.id!, (t) => {
      if (t.state !== 'PENDING') return;
      scheduled = true;
      markScheduled(t, job, deps.now());
    });
    if (scheduled) dispatch(stored, effects);
  }
  effects.pendingTasks.splice(0, effects.pendingTasks.length, ...rest);
}

function isReadyToSchedule(job: Job, task: Task): boolean {
  return isJobActive(job.state) && taskKind(task) === 'regular' && !isSkipped(task);
}

function markScheduled(task: Task, job: Job, now: Date): void {
  applyDefaults(task, job);
  task.state = 'SCHEDULED';
  task.scheduledAt = now;
}

function dispatch(task: Task, effects: Effects): void {
  effects.taskState(task);
  effects.publish(task.queue!, { kind: 'task', task }, { priority: task.priority ?? 0 });
}
