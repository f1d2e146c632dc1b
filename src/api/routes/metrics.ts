import type { FastifyInstance } from 'fastify';

import type { ApiContext } from '../context.js';
import { sendJson } from '../reply.js';

/** `GET /metrics` (api spec §2.9). */
export function registerMetricsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/metrics', async (_request, reply) => {
    const m = await ctx.datastore.getMetrics(new Date());
    return sendJson(reply, 200, {
      jobs: { running: m.jobs.running },
      tasks: { running: m.tasks.running },
      nodes: { online: m.nodes.online, cpuPercent: m.nodes.cpuPercent },
    });
  });
}
