import { withTx } from './transaction.js';
import { QUEUE } from '../broker/broker.js';
import { taskKind } from '../model/task.js';
import type { HandlerDeps } from './deps.js';
import { Effects } from './effects.js';
import { completeJob, failJob, settleParentTask } from './job-flow.js';
import { isJobActive, isJobTerminal, isTaskActive } from '../model/states.js';
import { newTopLevelTask } from './task-factory.js';
import { handlePendingTasks } from './handlers/pending.js';

const BATCH = 10_000;

/**
 * Re-queue what the datastore says was in flight when the previous process died. With the
 * in-memory broker every queued message was lost, so:
 * - PENDING jobs are sent to `jobs` again;
 * - PENDING tasks go through the pending handler again;
 * - SCHEDULED and RUNNING regular tasks are sent to their queue again (a task that was running
 *   runs again: at-least-once);
 * - an active job with no active task (the process died between two steps) is moved on;
 * - a subjob task whose sub-job ended is settled, and a sub-job whose parent task stopped is
 *   cancelled (the message between them was lost).
 * Every handler is idempotent, so running this twice does no harm.
 */
export async function recoverInFlightWork(deps: HandlerDeps): Promise<void> {
  const { ds, broker, logger } = deps;
  let count = 0;
  for (const job of await ds.listJobsByState(['PENDING'], BATCH)) {
    await broker.publish(QUEUE.jobs, { kind: 'job', job });
    count++;
  }
  const effects = new Effects();
  for (const task of await ds.listTasksInFlight(['PENDING', 'SCHEDULED', 'RUNNING'])) {
    if (task.state === 'PENDING') {
      effects.pending(task);
    } else if (taskKind(task) === 'subjob') {
      const sub = task.subjob?.id && !task.subjob.detached ? await ds.findJob(task.subjob.id) : undefined;
      if (sub && isJobTerminal(sub.state)) await withTx(deps, effects, (tx) => settleParentTask(tx, sub, deps.now(), effects));
    } else if (taskKind(task) === 'regular') {
      const requeued = await ds.updateTask(task.id!, (t) => {
        t.state = 'SCHEDULED';
        t.startedAt = undefined;
        t.nodeId = undefined;
        t.redelivered = (t.redelivered ?? 0) + 1;
      });
      await broker.publish(requeued.queue ?? 'default', { kind: 'task', task: requeued }, { priority: requeued.priority ?? 0 });
    }
    count++;
  }
  count += await resumeStalledJobs(deps, effects);
  count += await cancelOrphanedSubJobs(deps, effects);
  await effects.run(deps);
  await handlePendingTasks(deps, effects);
  if (count > 0) logger.info({ count }, 'recovered in-flight work');
}

/** Attached sub-jobs still running although their parent task stopped (the cancel was lost). */
async function cancelOrphanedSubJobs(deps: HandlerDeps, effects: Effects): Promise<number> {
  let cancelled = 0;
  for (const job of await deps.ds.listJobsByState(['SCHEDULED', 'RUNNING'], BATCH)) {
    if (!job.parentId) continue;
    const parent = await deps.ds.findTask(job.parentId);
    if (parent && isTaskActive(parent.state!)) continue;
    if (isJobActive(job.state)) effects.cancelJob(job);
    cancelled++;
  }
  return cancelled;
}

/** Active jobs whose current step was lost between two transactions. */
async function resumeStalledJobs(deps: HandlerDeps, effects: Effects): Promise<number> {
  let resumed = 0;
  for (const job of await deps.ds.listJobsByState(['SCHEDULED', 'RUNNING'], BATCH)) {
    const active = await deps.ds.getActiveTasks(job.id);
    if (active.length > 0) continue;
    const now = deps.now();
    await withTx(deps, effects, async (tx) => {
      if (job.position > job.taskCount) {
        await completeJob(tx, job.id, now, effects);
        return;
      }
      const current = (await tx.getExecution(job.id)).filter((t) => !t.parentId && t.position === job.position);
      const failed = current.find((t) => t.state === 'FAILED');
      if (failed) {
        await failJob(tx, job.id, failed.error, now, effects);
        return;
      }
      const next = newTopLevelTask(job, now);
      await tx.createTask(next);
      if (next.state === 'FAILED') await failJob(tx, job.id, next.error, now, effects);
      else effects.pending(next);
    });
    resumed++;
  }
  return resumed;
}
