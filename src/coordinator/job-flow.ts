import { durationMs } from '../duration.js';
import { coerceError } from '../errors.js';
import { evaluateTemplate } from '../expr/template.js';
import type { Datastore } from '../datastore/datastore.js';
import type { Job } from '../model/job.js';
import { isJobActive, isTaskActive, type JobState } from '../model/states.js';
import type { Task } from '../model/task.js';
import type { Effects } from './effects.js';
import { contextOf } from './evaluate.js';

/**
 * Job-level state changes shared by the handlers. Each runs inside the caller's transaction
 * and records what to publish in `effects`; none publishes anything itself.
 */

/** Mark every active task of a job CANCELLED and ask workers and sub-jobs to stop. */
export async function cancelActiveTasks(tx: Datastore, jobId: string, effects: Effects): Promise<void> {
  for (const task of await tx.getActiveTasks(jobId)) {
    const cancelled = await tx.updateTask(task.id!, (t) => {
      t.state = 'CANCELLED';
    });
    effects.taskCancelled(cancelled);
    if (cancelled.subjob?.id && !cancelled.subjob.detached) {
      const sub = await tx.findJob(cancelled.subjob.id);
      if (sub) effects.cancelJob(sub);
    } else {
      effects.cancelOnNode(cancelled);
    }
  }
}

/**
 * Fail an active job with `error` (Drover stores the failing task's error on the job; Tork
 * did not), cancel what is still running, and announce it. Returns the job, or undefined when
 * it was no longer active.
 */
export async function failJob(
  tx: Datastore,
  jobId: string,
  error: string | undefined,
  now: Date,
  effects: Effects,
): Promise<Job | undefined> {
  let changed = false;
  const job = await tx.updateJob(jobId, (j) => {
    if (!isJobActive(j.state)) return;
    changed = true;
    j.state = 'FAILED';
    j.failedAt = now;
    j.error = error;
  });
  if (!changed) return undefined;
  await cancelActiveTasks(tx, jobId, effects);
  effects.jobState(job);
  await settleParentTask(tx, job, now, effects);
  return job;
}

/**
 * SCHEDULED → RUNNING once one of its tasks started; announced. `state`: the job's state when the
 * caller has just read it; otherwise it is read alone first, sparing a running job's full read.
 */
export async function promoteJob(tx: Datastore, jobId: string, effects: Effects, state?: JobState): Promise<void> {
  if ((state ?? (await tx.findJobState(jobId))) !== 'SCHEDULED') return;
  let promoted = false;
  const running = await tx.updateJob(jobId, (j) => {
    if (j.state !== 'SCHEDULED') return;
    promoted = true;
    j.state = 'RUNNING';
  });
  if (promoted) effects.jobState(running);
}

/** Complete a job whose last task is done: evaluate `output`, set `deleteAt`. */
export async function completeJob(tx: Datastore, jobId: string, now: Date, effects: Effects): Promise<Job | undefined> {
  let changed = false;
  const job = await tx.updateJob(jobId, (j) => {
    if (!isJobActive(j.state)) return;
    changed = true;
    markJobFinished(j, now);
  });
  if (!changed) return undefined;
  await jobFinished(tx, job, now, effects);
  return job;
}

/**
 * The fields of an active job whose last task is done: COMPLETED with `output` evaluated and
 * `deleteAt` set, or FAILED when `output` cannot be evaluated.
 */
export function markJobFinished(j: Job, now: Date): void {
  try {
    j.result = j.output ? evaluateTemplate(j.output, contextOf(j)) : undefined;
  } catch (err) {
    j.state = 'FAILED';
    j.failedAt = now;
    j.error = coerceError(err).message;
    return;
  }
  j.state = 'COMPLETED';
  j.completedAt = now;
  j.progress = 100;
  if (j.autoDelete?.after) {
    try {
      j.deleteAt = new Date(now.getTime() + durationMs(j.autoDelete.after));
    } catch {
      // validated at submit; an unparsable value simply disables auto-delete
    }
  }
}

/** Announce a job `markJobFinished` ended in this transaction, and report to its parent task. */
export async function jobFinished(tx: Datastore, job: Job, now: Date, effects: Effects): Promise<void> {
  effects.jobState(job);
  await settleParentTask(tx, job, now, effects);
}

/**
 * When an attached sub-job ends, its parent task completes or fails with it. The parent's
 * own handlers take it from there through the `completed`/`error` queues.
 */
export async function settleParentTask(tx: Datastore, job: Job, now: Date, effects: Effects): Promise<void> {
  if (!job.parentId) return;
  const parent = await tx.findTask(job.parentId);
  // A parent task that is no longer active was stopped from above (its job was cancelled or
  // failed, or restarted with a new sub-job): nothing to report back.
  if (!parent || !isTaskActive(parent.state!)) return;
  const message: Task = { ...parent };
  if (job.state === 'COMPLETED') {
    message.state = 'COMPLETED';
    message.completedAt = now;
    message.result = job.result;
    effects.publish('completed', { kind: 'task', task: message });
  } else if (job.state === 'FAILED') {
    message.state = 'FAILED';
    message.failedAt = now;
    message.error = job.error ?? `sub-job ${job.id} failed`;
    effects.publish('error', { kind: 'task', task: message });
  } else if (job.state === 'CANCELLED') {
    // Cancelling an attached sub-job cancels the whole parent job (Tork's propagation).
    const parentJob = await tx.findJob(parent.jobId!);
    if (parentJob && isJobActive(parentJob.state)) effects.cancelJob(parentJob);
  }
}
