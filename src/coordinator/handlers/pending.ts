import { isJobActive, isTaskActive } from '../../model/states.js';
import { taskKind, type Task } from '../../model/task.js';
import type { HandlerDeps } from '../deps.js';
import type { Effects } from '../effects.js';
import { isSkipped } from '../evaluate.js';
import { scheduleCompositeTask } from '../scheduler/composite.js';
import { scheduleRegularTask } from '../scheduler/regular.js';
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
