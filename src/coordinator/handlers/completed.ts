import { withTx } from '../transaction.js';
import type { Datastore } from '../../datastore/datastore.js';
import type { Job } from '../../model/job.js';
import type { Task } from '../../model/task.js';
import type { HandlerDeps } from '../deps.js';
import { Effects } from '../effects.js';
import { failJob, jobFinished, markJobFinished, promoteJob } from '../job-flow.js';
import { completeChildTask } from '../scheduler/composite.js';
import { newTopLevelTask } from '../task-factory.js';
import { handlePendingTasks, scheduleOnCreate } from './pending.js';

const COMPLETABLE = new Set(['PENDING', 'SCHEDULED', 'RUNNING', 'SKIPPED']);

/**
 * The `completed` queue: a task finished (COMPLETED) or was skipped (SKIPPED). For a
 * top-level task this advances the job in the same transaction: position, context, and the
 * next task or the job's completion.
 */
export async function completeTask(deps: HandlerDeps, message: Task): Promise<void> {
  const now = deps.now();
  const effects = new Effects();
  await withTx(deps, effects, async (tx) => {
    let changed = false;
    // A worker reports a task that completed within moments of its start by this message alone
    // (worker/task-run.ts): its start is recorded here, with the events `started` would have sent.
    let startedHere = false;
    const task = await tx.updateTask(message.id!, (t) => {
      if (!COMPLETABLE.has(t.state!)) return;
      changed = true;
      startedHere = t.state === 'SCHEDULED' && message.state !== 'SKIPPED' && message.startedAt !== undefined;
      t.state = message.state === 'SKIPPED' ? 'SKIPPED' : 'COMPLETED';
      t.scheduledAt ??= message.scheduledAt;
      t.startedAt ??= message.startedAt;
      t.completedAt = message.completedAt ?? now;
      t.result = message.result;
      if (message.exitCode !== undefined) t.exitCode = message.exitCode;
      if (message.nodeId) t.nodeId = message.nodeId;
    });
    if (!changed) {
      deps.logger.debug({ taskId: message.id, state: task.state }, 'ignored completion of a task that is not active');
      return;
    }
    if (startedHere) effects.taskState(runningSnapshot(task));
    effects.taskState(task);
    if (task.parentId) {
      if (startedHere) await promoteJob(tx, task.jobId!, effects);
      await completeChildTask(deps, tx, task, effects);
      return;
    }
    await advanceJob(tx, task, now, effects, startedHere);
  }, message.jobId);
  await effects.run(deps);
  await handlePendingTasks(deps, effects);
}

/** The task as the `started` handler would have announced it: RUNNING, nothing of its end. */
function runningSnapshot(task: Task): Task {
  const running: Task = { ...task, state: 'RUNNING' };
  delete running.completedAt;
  delete running.result;
  delete running.exitCode;
  return running;
}

/**
 * Move the job past a completed top-level task. `promote`: the task's start was not reported
 * (see `completeTask`), so a job still SCHEDULED becomes RUNNING here, as `started` would do.
 * After the last task the job finishes in the same write (one read and write of it, not two).
 */
export async function advanceJob(tx: Datastore, task: Task, now: Date, effects: Effects, promote = false): Promise<void> {
  let promoted = false;
  // The job as it stands once advanced, before it finishes: what the progress event shows.
  let advanced = undefined as Job | undefined;
  const job = await tx.updateJob(task.jobId!, (j) => {
    if (j.state !== 'RUNNING' && j.state !== 'SCHEDULED') return;
    if (task.position !== j.position) return;
    if (promote && j.state === 'SCHEDULED') {
      j.state = 'RUNNING';
      promoted = true;
    }
    j.progress = Math.round((j.position / j.taskCount) * 10000) / 100;
    j.position += 1;
    if (task.var && task.result) {
      j.context.tasks = { ...j.context.tasks, [task.var]: task.result };
    }
    advanced = { ...j };
    if (j.position > j.taskCount) markJobFinished(j, now);
  });
  if (!advanced) return;
  if (promoted) effects.jobState({ ...advanced });
  effects.jobProgress(advanced);
  if (job.position <= job.taskCount) {
    const next = newTopLevelTask(job, now);
    const scheduled = scheduleOnCreate(job, next, now, effects);
    await tx.createTask(next);
    if (next.state === 'FAILED') await failJob(tx, job.id, next.error, now, effects);
    else if (!scheduled) effects.pending(next);
  } else {
    await jobFinished(tx, job, now, effects);
  }
}
