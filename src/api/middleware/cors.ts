import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface CorsOptions {
  /** @default false */
  enabled: boolean;
  /** Allowed origins: exact values, `*` wildcards (`https://*.example.com`), or `*` for any. @default ["*"] */
  origins: string[];
  /** @default ["*"]: the method a preflight asks for */
  methods: string[];
  /** Allowed (and, as in Tork, exposed) request headers. @default ["*"]: the headers a preflight asks for */
  headers: string[];
  /** Send `Access-Control-Allow-Credentials: true`. @default false */
  credentials: boolean;
}

/**
 * CORS (api spec §5). Runs first: a preflight (`OPTIONS` with `Origin` and
 * `Access-Control-Request-Method`) is answered 204 before authentication, as browsers send it
 * without credentials. A request without `Origin` passes untouched; one from an origin not
 * allowed gets no `Access-Control-Allow-*` header, so the browser withholds the response.
 */
export function registerCors(app: FastifyInstance, options: CorsOptions): void {
  if (!options.enabled) return;
  const anyOrigin = options.origins.includes('*');
  const patterns = options.origins.filter((o) => o !== '*').map(wildcard);
  const isAllowed = (origin: string): boolean => anyOrigin || patterns.some((re) => re.test(origin));

  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (typeof origin !== 'string' || origin === '') return;
    reply.header('vary', 'Origin');
    const preflight =
      request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    if (isAllowed(origin)) {
      // With credentials a browser refuses `*`: name the origin instead.
      reply.header('access-control-allow-origin', anyOrigin && !options.credentials ? '*' : origin);
      if (options.credentials) reply.header('access-control-allow-credentials', 'true');
      if (preflight) setPreflightHeaders(request, reply, options);
      else reply.header('access-control-expose-headers', options.headers.join(', '));
    }
    if (preflight) return reply.code(204).send();
  });
}

function setPreflightHeaders(request: FastifyRequest, reply: FastifyReply, options: CorsOptions): void {
  const askedMethod = String(request.headers['access-control-request-method'] ?? '');
  const askedHeaders = request.headers['access-control-request-headers'];
  reply.header(
    'access-control-allow-methods',
    options.methods.includes('*') ? askedMethod : options.methods.join(', '),
  );
  if (options.headers.includes('*')) {
    if (typeof askedHeaders === 'string' && askedHeaders !== '')
      reply.header('access-control-allow-headers', askedHeaders);
  } else {
    reply.header('access-control-allow-headers', options.headers.join(', '));
  }
  reply.header('access-control-max-age', '600');
}

function wildcard(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  return new RegExp(`^${body}$`, 'i');
}
