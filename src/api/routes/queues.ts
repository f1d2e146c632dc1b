import type { FastifyInstance } from 'fastify';

import { isTaskQueue, type QueueInfo } from '../../broker/broker.js';
import { ForbiddenError, InputError, NotFoundError } from '../../errors.js';
import type { ApiContext } from '../context.js';
import { sendJson } from '../reply.js';

interface NameParams {
  name: string;
}

/** `GET /queues`, `GET /queues/{name}`, `DELETE /queues/{name}` (api spec §3.10–3.12). */
export function registerQueueRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/queues', async (_request, reply) => {
    const queues = await ctx.broker.queues();
    return sendJson(reply, 200, queues.map(queueToWire));
  });

  app.get<{ Params: NameParams }>('/queues/:name', async (request, reply) => {
    const { name } = request.params;
    const info = await renameNotFound(name, () => ctx.broker.queueInfo(name));
    return sendJson(reply, 200, queueToWire(info));
  });

  // Success is a 200 with an empty body, as in Tork (api spec §3.12), not JSON.
  // It drops the waiting tasks of every user's jobs: with authentication on, admins only.
  app.delete<{ Params: NameParams }>('/queues/:name', async (request, reply) => {
    if (request.principal && !request.principal.isAdmin) throw new ForbiddenError('only admins can delete queues');
    const { name } = request.params;
    if (!isTaskQueue(name)) throw new InputError(`queue ${name} is not a task queue`);
    await renameNotFound(name, () => ctx.broker.deleteQueue(name));
    return reply.code(200).send();
  });
}

/** The broker's own not-found text may differ; clients see Tork's. */
async function renameNotFound<T>(name: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError(`queue ${name} not found`);
    throw err;
  }
}

function queueToWire(q: QueueInfo): QueueInfo {
  return { name: q.name, size: q.size, subscribers: q.subscribers, unacked: q.unacked };
}
