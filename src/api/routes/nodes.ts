import type { FastifyInstance } from 'fastify';

import { NODE_LISTED_FOR_MS } from '../../model/node.js';
import { nodeToWire } from '../../model/wire.js';
import type { ApiContext } from '../context.js';
import { sendJson } from '../reply.js';

/** `GET /nodes`: nodes heard from in the last 5 minutes, by name; stale ones read OFFLINE. */
export function registerNodeRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/nodes', async (_request, reply) => {
    const now = new Date();
    const nodes = await ctx.datastore.getActiveNodes(new Date(now.getTime() - NODE_LISTED_FOR_MS));
    const sorted = [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return sendJson(
      reply,
      200,
      sorted.map((node) => nodeToWire(node, now)),
    );
  });
}
