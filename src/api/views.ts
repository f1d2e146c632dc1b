/** Lookups and response bodies shared by the job and task routes. */
import type { Job } from '../model/job.js';
import type { Task } from '../model/task.js';
import { NotFoundError } from '../errors.js';
import { jobSummaryToWire, jobToWire, type WireObject } from '../model/wire.js';
import type { ApiContext } from './context.js';

export async function findJobOrThrow(ctx: ApiContext, id: string): Promise<Job> {
  const job = await ctx.datastore.findJob(id);
  if (!job) throw new NotFoundError('job not found');
  return job;
}

export async function findTaskOrThrow(ctx: ApiContext, id: string): Promise<Task> {
  const task = await ctx.datastore.findTask(id);
  if (!task) throw new NotFoundError('task not found');
  return task;
}

/**
 * The secrets of a task's job, for redaction. A job that cannot be read leaves only the key
 * rules to apply; that is logged, not sent to the client (Tork does the same).
 */
export async function secretsOfJob(
  ctx: ApiContext,
  jobId: string | undefined,
): Promise<Record<string, string> | undefined> {
  if (!jobId) return undefined;
  try {
    return (await ctx.datastore.findJob(jobId))?.secrets;
  } catch (err) {
    ctx.logger.warn({ err, jobId }, 'job of task not readable; redacting by key only');
    return undefined;
  }
}

/** The full job with its execution, redacted. `schedule.cron` is not shown on reads. */
export async function jobView(ctx: ApiContext, job: Job): Promise<WireObject> {
  const execution = await ctx.datastore.getExecution(job.id);
  const redacted = withoutCron(ctx.redactor.redactJob(job));
  return jobToWire(
    redacted,
    execution.map((task) => ctx.redactor.redactTask(task, job.secrets)),
  );
}

/** A job summary with its inputs redacted (Drover goes beyond Tork here). */
export function summaryView(ctx: ApiContext, job: Job): WireObject {
  return jobSummaryToWire(withoutCron(ctx.redactor.redactSummary(job)));
}

function withoutCron(job: Job): Job {
  if (job.schedule?.cron === undefined) return job;
  return { ...job, schedule: { id: job.schedule.id } };
}
