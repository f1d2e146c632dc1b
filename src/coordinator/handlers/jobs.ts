import { withTx } from '../transaction.js';
import type { Job } from '../../model/job.js';
import { isJobActive } from '../../model/states.js';
import type { HandlerDeps } from '../deps.js';
import { Effects } from '../effects.js';
import { cancelActiveTasks, failJob, settleParentTask } from '../job-flow.js';
import { isResumable, resumeTask } from '../scheduler/restart.js';
import { advanceJob } from './completed.js';
import { newTopLevelTask } from '../task-factory.js';
import { handlePendingTasks, scheduleOnCreate } from './pending.js';

/** The `jobs` queue: start (PENDING), cancel (CANCELLED) or restart a job. */
export async function handleJobMessage(deps: HandlerDeps, job: Job, restart: boolean): Promise<void> {
  if (restart) return restartJob(deps, job.id);
  switch (job.state) {
    case 'PENDING':
      return startJob(deps, job.id);
    case 'CANCELLED':
      return cancelJob(deps, job.id);
    default:
      deps.logger.debug({ jobId: job.id, state: job.state }, 'ignored job message in unexpected state');
  }
}

/** PENDING → SCHEDULED: create the first task and hand it to the pending handler. */
export async function startJob(deps: HandlerDeps, jobId: string): Promise<void> {
  const now = deps.now();
  const effects = new Effects();
  await withTx(deps, effects, async (tx) => {
    let started = false;
    const job = await tx.updateJob(jobId, (j) => {
      if (j.state !== 'PENDING') return;
      started = true;
      j.state = 'SCHEDULED';
      j.startedAt = now;
      j.position = 1;
    });
    if (!started) {
      deps.logger.debug({ jobId }, 'ignored duplicate start of a job');
      return;
    }
    effects.jobState(job);
    await createCurrentTask(tx, job, now, effects);
  }, jobId);
  await effects.run(deps);
  await handlePendingTasks(deps, effects);
}

/**
 * A job submitted through the API of this process: stored and started (PENDING → SCHEDULED, its
 * first task created and dispatched) in one transaction. `POST /jobs` used to store the job, then
 * publish it to the `jobs` queue for `startJob`: a broker hop and a second transaction on the
 * path of every job. The job is never stored PENDING; the API still answers with the PENDING
 * summary (api spec §3.2), as it did when the start raced its answer. Returns the job as stored,
 * its `createdBy` the whole user; `submitted` is left as it was.
 */
export async function submitJob(deps: HandlerDeps, submitted: Job): Promise<Job> {
  const now = deps.now();
  const job: Job = { ...submitted, state: 'SCHEDULED', startedAt: now, position: 1 };
  const effects = new Effects();
  await withTx(deps, effects, async (tx) => {
    await tx.createJob(job);
    // The events and webhooks carry the whole user, as `startJob`'s read of the job gave them.
    job.createdBy = submitted.createdBy ? (await tx.findJob(job.id))?.createdBy : await tx.guestUser();
    effects.jobState(job);
    await createCurrentTask(tx, job, now, effects);
  }, job.id);
  await effects.run(deps);
  await handlePendingTasks(deps, effects);
  return job;
}

/** Create the task at `job.position`, failing the job when its templates do not evaluate. */
async function createCurrentTask(
  tx: HandlerDeps['ds'],
  job: Job,
  now: Date,
  effects: Effects,
): Promise<void> {
  const task = newTopLevelTask(job, now);
  const scheduled = scheduleOnCreate(job, task, now, effects);
  await tx.createTask(task);
  if (task.state === 'FAILED') {
    await failJob(tx, job.id, task.error, now, effects);
  } else if (!scheduled) {
    effects.pending(task);
  }
}

/** CANCELLED: stop the job, its running tasks and its attached sub-jobs. */
export async function cancelJob(deps: HandlerDeps, jobId: string): Promise<void> {
  const effects = new Effects();
  await withTx(deps, effects, async (tx) => {
    let changed = false;
    const job = await tx.updateJob(jobId, (j) => {
      if (!isJobActive(j.state)) return;
      changed = true;
      j.state = 'CANCELLED';
    });
    if (!changed) return;
    await cancelActiveTasks(tx, jobId, effects);
    effects.jobState(job);
    await settleParentTask(tx, job, deps.now(), effects);
  }, jobId);
  await effects.run(deps);
}

/**
 * RESTART: a FAILED or CANCELLED job resumes at its current top-level task, with the context
 * it had. A parallel, each or attached subjob task resumes in place, re-running only what did
 * not complete. A second restart of a job that is already running again is ignored (Tork
 * failed it).
 */
export async function restartJob(deps: HandlerDeps, jobId: string): Promise<void> {
  const now = deps.now();
  const effects = new Effects();
  await withTx(deps, effects, async (tx) => {
    let changed = false;
    const job = await tx.updateJob(jobId, (j) => {
      if (j.state !== 'FAILED' && j.state !== 'CANCELLED') return;
      if (j.position < 1 || j.position > j.taskCount) return;
      changed = true;
      j.state = 'RUNNING';
      j.failedAt = undefined;
      j.completedAt = undefined;
      j.error = undefined;
    });
    if (!changed) {
      deps.logger.debug({ jobId }, 'ignored restart of a job that cannot be restarted');
      return;
    }
    effects.jobState(job);
    const current = (await tx.getExecution(job.id))
      .filter((t) => !t.parentId && t.position === job.position)
      .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0];
    const outcome = isResumable(current) ? await resumeTask(tx, job, current, now, effects) : 'redo';
    if (outcome === 'redo') await createCurrentTask(tx, job, now, effects);
    else if (outcome === 'done') await advanceJob(tx, { ...current!, state: 'COMPLETED' }, now, effects);
    else if (outcome !== 'resumed') await failJob(tx, job.id, outcome.error, now, effects);
  }, jobId);
  await effects.run(deps);
  await handlePendingTasks(deps, effects);
}
