import type { FastifyInstance } from 'fastify';

import type { ApiContext } from '../context.js';
import { sendJson } from '../reply.js';

/** `GET /health`: UP when the datastore and the broker both answer, else 503 DOWN. */
export function registerHealthRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/health', async (request, reply) => {
    try {
      await Promise.all([ctx.datastore.healthCheck(), ctx.broker.healthCheck()]);
      return sendJson(reply, 200, { status: 'UP', version: ctx.version });
    } catch (err) {
      request.log.warn({ err }, 'health check failed');
      return sendJson(reply, 503, { status: 'DOWN', version: ctx.version });
    }
  });
}
