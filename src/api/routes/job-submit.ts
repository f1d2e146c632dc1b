import type { FastifyInstance } from 'fastify';

import { QUEUE } from '../../broker/broker.js';
import { parseDuration } from '../../duration.js';
import { InputError } from '../../errors.js';
import { toJob } from '../../input/to-model.js';
import { parseJob } from '../../input/validate.js';
import { newId } from '../../model/ids.js';
import type { User } from '../../model/job.js';
import type { ApiContext } from '../context.js';
import { resolvePermissions } from '../permissions.js';
import { creatorOf } from '../auth/access.js';
import { sendJson } from '../reply.js';
import { jobView, summaryView } from '../views.js';
import { waitForJobEnd } from '../wait.js';

/**
 * `POST /jobs` (api spec §3.2): decode and validate the definition, then store and start it
 * through this process's coordinator (`ctx.submitJob`), or store it PENDING and publish it to the
 * `jobs` queue where there is none. With `wait`, answer with the finished job (redacted, unlike
 * Tork) once it is COMPLETED, FAILED or CANCELLED; the job is watched before it is stored.
 */
export function registerJobSubmitRoute(app: FastifyInstance, ctx: ApiContext): void {
  app.post('/jobs', async (request, reply) => {
    const body = typeof request.body === 'string' ? request.body : '';
    const input = parseJob(body, request.headers['content-type'], { allowComposite: ctx.allowComposite });
    const waitMs = input.wait ? waitTimeoutMs(input.wait.timeout) : undefined;
    const job = toJob(input, { id: newId(), createdAt: new Date(), createdBy: creatorOf(request) });
    if (job.permissions) job.permissions = await resolvePermissions(ctx.datastore, job.permissions);
    // The answer without `wait` is the job as submitted: PENDING, as Tork answers.
    const pending = { ...job };
    const submit = async (): Promise<void> => {
      if (ctx.submitJob) {
        pending.createdBy = (await ctx.submitJob(job)).createdBy;
        return;
      }
      await ctx.datastore.createJob(job);
      pending.createdBy = job.createdBy = job.createdBy ? await createdByOf(ctx, job.id) : await ctx.datastore.guestUser();
      await ctx.broker.publish(QUEUE.jobs, { kind: 'job', job });
    };

    if (waitMs === undefined) {
      await submit();
      return sendJson(reply, 200, summaryView(ctx, pending));
    }
    const finished = await waitForJobEnd({
      watcher: ctx.jobEnds,
      jobId: job.id,
      timeoutMs: waitMs,
      reply,
      closing: ctx.closing,
      start: submit,
    });
    return sendJson(reply, 200, await jobView(ctx, finished));
  });
}

function waitTimeoutMs(timeout: string): number {
  const ms = parseDuration(timeout);
  // The schema already checked the duration; this guards against a negative one.
  if (ms === undefined || ms < 0)
    throw new InputError([{ path: 'wait.timeout', message: `invalid duration ${JSON.stringify(timeout)}` }]);
  return ms;
}

/**
 * The datastore stores the creator by id (anonymous jobs are the guest user's, known without a
 * read); read the whole user back before publishing, so the summary and the message show it,
 * and the summary still shows PENDING.
 */
async function createdByOf(ctx: ApiContext, jobId: string): Promise<User | undefined> {
  return (await ctx.datastore.findJob(jobId))?.createdBy;
}
