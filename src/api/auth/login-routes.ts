/**
 * The UI's session routes (UI.md §3 "Auth and SSE"; the hook the UI builds its login page on):
 *
 * - `POST /ui/login` with `{"username", "password"}` (basic auth users) or `{"key"}` (the API
 *   key): 200 `{"username", "admin"}` and an HttpOnly, SameSite=Strict cookie `drover_session`
 *   that the auth middleware accepts on every route, the SSE stream included; a wrong
 *   credential is a 401 `{"message":"Unauthorized"}` without `WWW-Authenticate`.
 * - `POST /ui/logout`: ends the session and clears the cookie; 200 `{"status":"OK"}`.
 * - `GET /ui/session`: 200 `{"authRequired": false}` when authentication is off; otherwise
 *   200 `{"authRequired": true, "username", "admin"}` for a logged-in caller, else 401 (the UI
 *   then shows its login page).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

import { InputError, UnauthorizedError } from '../../errors.js';
import { sendJson, STATUS_OK } from '../reply.js';
import { readCookie, type Authenticator } from './authenticator.js';
import type { Principal } from './principal.js';
import { SESSION_COOKIE, type SessionStore } from './sessions.js';

export function registerLoginRoutes(
  app: FastifyInstance,
  authenticator: Authenticator,
  sessions: SessionStore,
): void {
  app.post('/ui/login', async (request, reply) => {
    if (!authenticator.isEnabled) throw new InputError('authentication is not enabled');
    const fields = parseLogin(typeof request.body === 'string' ? request.body : '');
    const principal =
      fields.key !== undefined
        ? authenticator.fromKey(fields.key)
        : await authenticator.checkPassword(fields.username ?? '', fields.password ?? '', 'session');
    if (!principal) throw new UnauthorizedError();
    const token = sessions.open({ userId: principal.user?.id, username: principal.user?.username });
    reply.header('set-cookie', cookie(request, token, sessions.maxAgeSeconds));
    return sendJson(reply, 200, describe(principal));
  });

  app.post('/ui/logout', async (request, reply) => {
    const token = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (token !== undefined) sessions.close(token);
    reply.header('set-cookie', cookie(request, '', 0));
    return sendJson(reply, 200, STATUS_OK);
  });

  app.get('/ui/session', async (request, reply) => {
    if (!authenticator.isEnabled) return sendJson(reply, 200, { authRequired: false });
    const principal = await authenticator.authenticate(request);
    if (!principal) throw new UnauthorizedError();
    return sendJson(reply, 200, { authRequired: true, ...describe(principal) });
  });
}

function describe(principal: Principal): { username?: string; admin: boolean } {
  return { ...(principal.user ? { username: principal.user.username } : {}), admin: principal.isAdmin };
}

/** `Secure` only over HTTPS (as seen by Fastify, e.g. behind a proxy with `trustProxy`): a plain-HTTP server would never get the cookie back. */
function cookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

function parseLogin(body: string): { username?: string; password?: string; key?: string } {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new InputError('the body must be JSON: {"username": ..., "password": ...} or {"key": ...}');
  }
  if (typeof value !== 'object' || value === null) throw new InputError('the body must be a JSON object');
  const { username, password, key } = value as Record<string, unknown>;
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return { username: text(username)?.trim(), password: text(password)?.trim(), key: text(key) };
}
