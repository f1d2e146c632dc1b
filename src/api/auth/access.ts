/**
 * Reads that honour job permissions (jobs spec §8.3): a job, its tasks and logs, and a scheduled
 * job, as the caller may see them. Something the caller may not see answers exactly like
 * something that does not exist (404 with the same message), so ids leak nothing.
 *
 * For every route that reads or changes one of these objects, the UI's included: use these
 * instead of the datastore's `find*`/`get*`, and `listFilterOf` (principal.ts) for lists.
 */
import type { FastifyRequest } from 'fastify';

import { NotFoundError } from '../../errors.js';
import type { Job, User } from '../../model/job.js';
import type { ScheduledJob } from '../../model/scheduled-job.js';
import type { Task } from '../../model/task.js';
import type { ApiContext } from '../context.js';
import { isPermitted, principalOf } from './principal.js';

export async function findVisibleJob(ctx: ApiContext, request: FastifyRequest, id: string): Promise<Job> {
  const job = await ctx.datastore.findJob(id);
  if (!job || !isPermitted(principalOf(request), job.permissions)) throw new NotFoundError('job not found');
  return job;
}

/** Whether the caller may see this job (for lists and streams that already hold it). */
export function canSeeJob(request: FastifyRequest, job: Pick<Job, 'permissions'>): boolean {
  return isPermitted(principalOf(request), job.permissions);
}

/**
 * A task the caller may see (its job's permissions decide), with that job when it still exists
 * (its secrets redact the task).
 */
export async function findVisibleTask(
  ctx: ApiContext,
  request: FastifyRequest,
  id: string,
): Promise<{ task: Task; job: Job | undefined }> {
  const task = await ctx.datastore.findTask(id);
  if (!task) throw new NotFoundError('task not found');
  const job = task.jobId ? await ctx.datastore.findJob(task.jobId) : undefined;
  if (!isPermitted(principalOf(request), job?.permissions)) throw new NotFoundError('task not found');
  return { task, job };
}

export async function getVisibleScheduledJob(
  ctx: ApiContext,
  request: FastifyRequest,
  id: string,
): Promise<ScheduledJob> {
  const sj = await ctx.datastore.getScheduledJob(id);
  if (!isPermitted(principalOf(request), sj.permissions)) throw new NotFoundError('scheduled job not found');
  return sj;
}

/** The creator to record on a job or scheduled job: the caller's user, else the datastore's guest. */
export function creatorOf(request: FastifyRequest): User | undefined {
  const user = principalOf(request)?.user;
  return user ? { id: user.id, username: user.username } : undefined;
}
