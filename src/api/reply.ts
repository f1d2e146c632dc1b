import type { FastifyReply, FastifyRequest } from 'fastify';

import { encodeJson } from '../model/wire.js';

/** True when the query string names `pretty` (any value, even empty). */
export function isPretty(request: FastifyRequest): boolean {
  const query = request.query;
  return typeof query === 'object' && query !== null && Object.hasOwn(query, 'pretty');
}

/**
 * Send `value` as Go would: `application/json` with no charset parameter, HTML-safe escapes,
 * trailing newline. The body goes out as a Buffer because Fastify appends `; charset=utf-8` to
 * any JSON content type of a string body.
 */
export function sendJson(reply: FastifyReply, status: number, value: unknown): FastifyReply {
  return sendJsonBody(reply, status, jsonBody(reply.request, value));
}

/** `value` encoded as `sendJson` sends it (for answers kept to be sent again). */
export function jsonBody(request: FastifyRequest, value: unknown): Buffer {
  return Buffer.from(encodeJson(value, { pretty: isPretty(request) }), 'utf8');
}

/** Send a body made by `jsonBody`. */
export function sendJsonBody(reply: FastifyReply, status: number, body: Buffer): FastifyReply {
  return reply.code(status).header('content-type', 'application/json').send(body);
}

/** The body every success of a state-changing call answers with. */
export const STATUS_OK = { status: 'OK' } as const;
