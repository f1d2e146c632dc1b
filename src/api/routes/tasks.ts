import type { FastifyInstance } from 'fastify';

import { logPartToWire, pageToWire, taskToWire } from '../../model/wire.js';
import type { ApiContext } from '../context.js';
import { first, LOG_PAGING, parsePaging } from '../paging.js';
import { sendJson } from '../reply.js';
import { findVisibleTask } from '../auth/access.js';

interface IdParams {
  id: string;
}

type PageQuery = Record<string, string | string[] | undefined>;

/** `GET /tasks/{id}` and `GET /tasks/{id}/log` (api spec §3.8, §3.9). */
export function registerTaskRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Params: IdParams }>('/tasks/:id', async (request, reply) => {
    const { task, job } = await findVisibleTask(ctx, request, request.params.id);
    const secrets = job?.secrets;
    return sendJson(reply, 200, taskToWire(ctx.redactor.redactTask(task, secrets)));
  });

  app.get<{ Params: IdParams; Querystring: PageQuery }>('/tasks/:id/log', async (request, reply) => {
    const paging = parsePaging(request.query, LOG_PAGING);
    const { task, job } = await findVisibleTask(ctx, request, request.params.id);
    const secrets = job?.secrets;
    const page = await ctx.datastore.getTaskLogParts(task.id ?? request.params.id, {
      ...paging,
      q: first(request.query.q) ?? '',
    });
    return sendJson(
      reply,
      200,
      pageToWire(page, (part) =>
        logPartToWire({ ...part, contents: ctx.redactor.redactText(part.contents, secrets) }),
      ),
    );
  });
}
