import type { FastifyInstance } from 'fastify';

import type { Config } from '../../config/config.js';
import type { Datastore } from '../../datastore/datastore.js';
import { ConfigError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { Authenticator } from '../auth/authenticator.js';
import { registerLoginRoutes } from '../auth/login-routes.js';
import { SessionStore } from '../auth/sessions.js';
import { bootstrapAdmin } from '../auth/users.js';
import { registerAuth } from './auth.js';
import { registerCors } from './cors.js';
import { registerRateLimit } from './rate-limit.js';
import { registerRequestLogger } from './request-logger.js';

export interface WebMiddlewareOptions {
  web: Config['middleware']['web'];
  datastore: Datastore;
  logger: Logger;
}

/**
 * The built-in web middleware (api spec §5), in the order they run for each request: CORS (a
 * preflight is answered here), rate limit, authentication, then the request logger once the
 * response is sent. The body limit is Fastify's own (`bodyLimit`, set in app.ts): 413
 * `Request Entity Too Large`, checked after authentication, before the body is read past it.
 * Tork limits the rate after authentication; here the limit comes first so that failed logins
 * count too.
 *
 * Also installs the UI's login, logout and session routes. Returns the authenticator, for routes
 * that check credentials themselves.
 */
export async function registerWebMiddleware(
  app: FastifyInstance,
  o: WebMiddlewareOptions,
): Promise<Authenticator> {
  const { web } = o;
  if (web.keyauth.enabled && !web.keyauth.key) {
    // Tork made up a random key and logged it; a key nobody can read is no use, a logged one no secret.
    throw new ConfigError(
      'middleware.web.keyauth.key: must be set when middleware.web.keyauth.enabled is true',
    );
  }
  if (web.basicauth.enabled && web.basicauth.admin.password) {
    await bootstrapAdmin(o.datastore, web.basicauth.admin, o.logger);
  }
  const sessions = new SessionStore();
  const authenticator = new Authenticator({
    datastore: o.datastore,
    sessions,
    basic: web.basicauth.enabled,
    apiKey: web.keyauth.enabled ? web.keyauth.key : undefined,
  });

  registerCors(app, web.cors);
  registerRateLimit(app, web.ratelimit);
  registerAuth(app, authenticator, { basic: web.basicauth.enabled, key: web.keyauth.enabled });
  registerRequestLogger(app, web.logger, o.logger);
  registerLoginRoutes(app, authenticator, sessions);
  return authenticator;
}
