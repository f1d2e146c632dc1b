import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Answer a snapshot read: the data plus the event cursor it reflects (UI.md §3). The ETag covers
 * the data only, so a client polling (when the stream cannot get through) gets a 304 as long as
 * nothing it shows changed, even though events elsewhere moved the cursor on.
 */
export function sendSnapshot(
  request: FastifyRequest,
  reply: FastifyReply,
  data: object,
  cursor: string,
): FastifyReply {
  const json = JSON.stringify(data);
  const etag = `W/"${createHash('sha1').update(json).digest('base64url').slice(0, 22)}"`;
  reply.header('etag', etag).header('cache-control', 'no-cache');
  if (request.headers['if-none-match'] === etag) return reply.code(304).send();
  const body = `${json.slice(0, -1)}${json.length > 2 ? ',' : ''}"cursor":${JSON.stringify(cursor)}}`;
  return reply.header('content-type', 'application/json').send(body);
}
