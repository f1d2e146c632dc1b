import type { FastifyInstance, FastifyRequest } from 'fastify';

import { UnauthorizedError } from '../../errors.js';
import type { Authenticator } from '../auth/authenticator.js';

/**
 * Authentication (api spec §5, `middleware.web.basicauth` / `keyauth`): when either is on, every
 * request needs `Authorization: Basic …` (a stored user), `Authorization: Bearer <key>`, or the
 * UI's session cookie; anything else is a 401 `{"message":"Unauthorized"}`. The request's
 * `principal` then says who it is, for permissions.
 *
 * Open without credentials: `GET /health` (so load balancers and `drover health` work), `GET /`, the UI's
 * login, logout and session routes, and the UI's static pages (the login page must load). The
 * UI's data routes (`/ui/api/*`) are not open. Openness is decided on the matched route, never
 * on the raw URL, so no path trick reaches an API route through an open prefix.
 *
 * Only API routes answer with `WWW-Authenticate`: under `/ui/` it would make the browser show
 * its own password prompt instead of the UI's login page.
 */
export function registerAuth(
  app: FastifyInstance,
  authenticator: Authenticator,
  options: { basic: boolean; key: boolean },
): void {
  app.decorateRequest('principal', undefined);
  if (!authenticator.isEnabled) return;
  const challenges = [
    ...(options.basic ? ['Basic realm="Restricted"'] : []),
    ...(options.key ? ['Bearer realm="Restricted"'] : []),
  ].join(', ');

  app.addHook('onRequest', async (request, reply) => {
    if (isOpen(request)) return;
    const principal = await authenticator.authenticate(request);
    if (principal) {
      request.principal = principal;
      return;
    }
    if (!pathOf(request).startsWith('/ui/')) reply.header('www-authenticate', challenges);
    throw new UnauthorizedError();
  });
}

/** Routes the auth hook lets through; they check credentials themselves where it matters. */
export const OPEN_ROUTES: ReadonlySet<string> = new Set([
  // `/` at most redirects to the UI.
  'GET /',
  'HEAD /',
  'GET /health',
  'HEAD /health',
  'POST /ui/login',
  'POST /ui/logout',
  'GET /ui/session',
  'HEAD /ui/session',
]);

function isOpen(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  const method = request.method;
  if (route !== undefined && OPEN_ROUTES.has(`${method} ${route}`)) return true;
  if (method !== 'GET' && method !== 'HEAD') return false;
  // The UI's pages and assets: a registered route under /ui, or an unknown /ui path (the UI may
  // answer those with its page), never its data routes.
  const path = route ?? pathOf(request);
  return (path === '/ui' || path.startsWith('/ui/')) && !path.startsWith('/ui/api/') && path !== '/ui/api';
}

function pathOf(request: FastifyRequest): string {
  return request.url.split('?')[0] ?? '';
}
