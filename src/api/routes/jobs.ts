import type { FastifyInstance } from 'fastify';

import { QUEUE } from '../../broker/broker.js';
import { StateError } from '../../errors.js';
import { logPartToWire, pageToWire } from '../../model/wire.js';
import type { ApiContext } from '../context.js';
import { first, JOB_PAGING, LOG_PAGING, parsePaging } from '../paging.js';
import { isPretty, jsonBody, sendJson, sendJsonBody, STATUS_OK } from '../reply.js';
import { ResponseCache } from '../response-cache.js';
import { jobView, summaryView } from '../views.js';
import { findVisibleJob } from '../auth/access.js';
import { listFilterOf, principalKey, principalOf } from '../auth/principal.js';

interface IdParams {
  id: string;
}

type ListQuery = Record<string, string | string[] | undefined>;

/**
 * `GET /jobs`, `GET /jobs/{id}`, `GET /jobs/{id}/log`, `PUT /jobs/{id}/cancel`,
 * `PUT /jobs/{id}/restart` (api spec §3.3–3.7). `POST /jobs` lives in `job-submit.ts`.
 */
export function registerJobRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: ListQuery }>('/jobs', async (request, reply) => {
    const paging = parsePaging(request.query, JOB_PAGING);
    const page = await ctx.datastore.listJobs({
      ...paging,
      q: first(request.query.q) ?? '',
      ...listFilterOf(request.principal),
    });
    return sendJson(
      reply,
      200,
      pageToWire(page, (job) => summaryView(ctx, job)),
    );
  });

  const jobAnswers = new ResponseCache();
  app.get<{ Params: IdParams }>('/jobs/:id', async (request, reply) => {
    // The token is read before the job: a write after it changes it, so what is kept under it
    // was read no earlier than the token says.
    const token = await ctx.datastore.changeToken?.();
    const key = `${request.params.id}\n${isPretty(request)}\n${principalKey(principalOf(request))}`;
    const kept = token === undefined ? undefined : jobAnswers.get(key, token);
    if (kept) return sendJsonBody(reply, 200, kept);
    const job = await findVisibleJob(ctx, request, request.params.id);
    const body = jsonBody(request, await jobView(ctx, job));
    if (token !== undefined) jobAnswers.set(key, token, body);
    return sendJsonBody(reply, 200, body);
  });

  app.get<{ Params: IdParams; Querystring: ListQuery }>('/jobs/:id/log', async (request, reply) => {
    const paging = parsePaging(request.query, LOG_PAGING);
    const job = await findVisibleJob(ctx, request, request.params.id);
    const page = await ctx.datastore.getJobLogParts(job.id, { ...paging, q: first(request.query.q) ?? '' });
    return sendJson(
      reply,
      200,
      pageToWire(page, (part) =>
        logPartToWire({ ...part, contents: ctx.redactor.redactText(part.contents, job.secrets) }),
      ),
    );
  });

  // Cancellation is asynchronous: the coordinator's jobs handler does the work (engine spec §6.1).
  app.put<{ Params: IdParams }>('/jobs/:id/cancel', async (request, reply) => {
    const job = await findVisibleJob(ctx, request, request.params.id);
    if (job.state !== 'RUNNING' && job.state !== 'SCHEDULED') throw new StateError('job is not running');
    await ctx.broker.publish(QUEUE.jobs, { kind: 'job', job: { ...job, state: 'CANCELLED' } });
    return sendJson(reply, 200, STATUS_OK);
  });

  app.put<{ Params: IdParams }>('/jobs/:id/restart', async (request, reply) => {
    const job = await findVisibleJob(ctx, request, request.params.id);
    if (job.state !== 'FAILED' && job.state !== 'CANCELLED') {
      throw new StateError(`job is ${job.state} and can not be restarted`);
    }
    if (job.position > job.taskCount) throw new StateError('job has no more tasks to run');
    await ctx.broker.publish(QUEUE.jobs, { kind: 'job', job, restart: true });
    return sendJson(reply, 200, STATUS_OK);
  });
}
