import type { FastifyInstance } from 'fastify';

import { TOPIC } from '../../broker/broker.js';
import { StateError } from '../../errors.js';
import { toScheduledJob } from '../../input/to-model.js';
import { parseScheduledJob } from '../../input/validate.js';
import { newId } from '../../model/ids.js';
import type { Job } from '../../model/job.js';
import type { ScheduledJob } from '../../model/scheduled-job.js';
import { pageToWire, scheduledJobSummaryToWire, scheduledJobToWire } from '../../model/wire.js';
import type { ApiContext } from '../context.js';
import { JOB_PAGING, parsePaging } from '../paging.js';
import { resolvePermissions } from '../permissions.js';
import { sendJson, STATUS_OK } from '../reply.js';
import { creatorOf, getVisibleScheduledJob } from '../auth/access.js';
import { listFilterOf } from '../auth/principal.js';

interface IdParams {
  id: string;
}

/**
 * The six `/scheduled-jobs` routes (api spec §3.14–§3.18). Every change is announced on the
 * `scheduled.job` topic, where each coordinator adds or drops the cron entry.
 */
export function registerScheduledJobRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const announce = (scheduledJob: ScheduledJob): Promise<void> =>
    ctx.broker.publishEvent(TOPIC.scheduledJob, { kind: 'scheduled-job', scheduledJob });

  app.post('/scheduled-jobs', async (request, reply) => {
    const body = typeof request.body === 'string' ? request.body : '';
    const input = parseScheduledJob(body, request.headers['content-type'], { allowComposite: ctx.allowComposite });
    const sj = toScheduledJob(input, { id: newId(), createdAt: new Date(), createdBy: creatorOf(request) });
    if (sj.permissions) sj.permissions = await resolvePermissions(ctx.datastore, sj.permissions);
    await ctx.datastore.createScheduledJob(sj);
    const stored = await ctx.datastore.getScheduledJob(sj.id);
    await announce(stored);
    return sendJson(reply, 200, scheduledJobSummaryToWire(redactScheduled(ctx, stored)));
  });

  app.get<{ Querystring: Record<string, string | string[] | undefined> }>('/scheduled-jobs', async (request, reply) => {
    const page = await ctx.datastore.listScheduledJobs({
      ...parsePaging(request.query, JOB_PAGING),
      ...listFilterOf(request.principal),
    });
    return sendJson(reply, 200, pageToWire(page, (sj) => scheduledJobSummaryToWire(redactScheduled(ctx, sj))));
  });

  // Tork returned a schedule's secrets in clear here; Drover redacts them as for jobs.
  app.get<{ Params: IdParams }>('/scheduled-jobs/:id', async (request, reply) => {
    const sj = await getVisibleScheduledJob(ctx, request, request.params.id);
    return sendJson(reply, 200, scheduledJobToWire(redactScheduled(ctx, sj)));
  });

  app.put<{ Params: IdParams }>('/scheduled-jobs/:id/pause', async (request, reply) => {
    await getVisibleScheduledJob(ctx, request, request.params.id);
    const sj = await changeState(ctx, request.params.id, 'ACTIVE', 'PAUSED', 'scheduled job is not active');
    await announce(sj);
    return sendJson(reply, 200, STATUS_OK);
  });

  app.put<{ Params: IdParams }>('/scheduled-jobs/:id/resume', async (request, reply) => {
    await getVisibleScheduledJob(ctx, request, request.params.id);
    const sj = await changeState(ctx, request.params.id, 'PAUSED', 'ACTIVE', 'scheduled job is not paused');
    await announce(sj);
    return sendJson(reply, 200, STATUS_OK);
  });

  app.delete<{ Params: IdParams }>('/scheduled-jobs/:id', async (request, reply) => {
    const sj = await getVisibleScheduledJob(ctx, request, request.params.id);
    await ctx.datastore.deleteScheduledJob(sj.id);
    await announce({ ...sj, state: 'PAUSED' });
    return sendJson(reply, 200, STATUS_OK);
  });
}

async function changeState(
  ctx: ApiContext,
  id: string,
  from: ScheduledJob['state'],
  to: ScheduledJob['state'],
  refusal: string,
): Promise<ScheduledJob> {
  let allowed = false;
  const sj = await ctx.datastore.updateScheduledJob(id, (s) => {
    if (s.state !== from) return;
    allowed = true;
    s.state = to;
  });
  if (!allowed) throw new StateError(refusal);
  return sj;
}

/** Redact a schedule with the job rules: it holds the same inputs, secrets, tasks and hooks. */
function redactScheduled(ctx: ApiContext, sj: ScheduledJob): ScheduledJob {
  const asJob = { ...sj, state: 'PENDING', position: 0, taskCount: sj.tasks.length, context: {} } as unknown as Job;
  const r = ctx.redactor.redactJob(asJob);
  return { ...sj, inputs: r.inputs, secrets: r.secrets, tasks: r.tasks, webhooks: r.webhooks };
}
