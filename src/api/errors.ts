/**
 * The one place where errors become HTTP responses: `{"message": ...}` with the error's status.
 * Catalogue errors (`DroverError`) keep their message; Fastify's own client errors keep theirs
 * (with Tork's text for 404, 405 and 413); anything else is a 500 whose detail only goes to the
 * log, so no stack, SQL or connection string reaches a client.
 */
import { STATUS_CODES } from 'node:http';

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { DroverError } from '../errors.js';
import { sendJson } from './reply.js';

export interface HttpError {
  status: number;
  message: string;
}

const INTERNAL: HttpError = { status: 500, message: 'Internal Server Error' };

/** Tork's texts where they differ from Fastify's. */
const FASTIFY_MESSAGES: Record<number, string> = {
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
};

/** Status and message a client sees for `err`; `undefined` status means unexpected. */
export function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof DroverError) {
    const isHttpStatus = err.status >= 400 && err.status < 600;
    return isHttpStatus ? { status: err.status, message: err.message } : undefined;
  }
  if (isFastifyClientError(err)) {
    const status = err.statusCode!;
    return { status, message: FASTIFY_MESSAGES[status] ?? err.message };
  }
  return undefined;
}

function isFastifyClientError(err: unknown): err is FastifyError {
  if (!(err instanceof Error)) return false;
  const { code, statusCode } = err as Partial<FastifyError>;
  return (
    typeof code === 'string' && code.startsWith('FST_') && typeof statusCode === 'number' && statusCode < 500
  );
}

/**
 * Install the error handler and the not-found handler. Must run before any route is added:
 * it records routes to answer 405 (with `Allow`) for a path that exists under other methods.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  const routes: { method: string; path: RegExp }[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ method, path: routePattern(route.url) });
  });

  app.setErrorHandler((err: unknown, request, reply) => {
    const known = toHttpError(err);
    if (known) {
      const level = known.status >= 500 ? 'warn' : 'info';
      request.log[level]({ status: known.status, message: known.message }, 'request rejected');
      return sendError(reply, request, known);
    }
    request.log.error({ err }, 'unexpected error');
    return sendError(reply, request, INTERNAL);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = routes
      .filter((r) => r.method !== request.method && r.path.test(path))
      .map((r) => r.method);
    if (allowed.length === 0) return sendError(reply, request, { status: 404, message: 'Not Found' });
    reply.header('allow', [...new Set(allowed)].sort().join(', '));
    return sendError(reply, request, { status: 405, message: 'Method Not Allowed' });
  });
}

/** A Fastify path such as `/jobs/:id/log` as a regular expression over request paths. */
function routePattern(url: string): RegExp {
  const body = url
    .split('/')
    .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${body}$`);
}

/** HEAD requests get the status only (api spec §1.5). */
function sendError(reply: FastifyReply, request: FastifyRequest, error: HttpError): FastifyReply {
  if (request.method === 'HEAD') return reply.code(error.status).send();
  return sendJson(reply, error.status, { message: error.message || STATUS_CODES[error.status] });
}
