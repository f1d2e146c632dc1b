import type { FastifyInstance } from 'fastify';

import type { Logger } from '../../logger.js';

export interface RequestLoggerOptions {
  /** @default true */
  enabled: boolean;
  /** pino level name, any case (Tork's default is `DEBUG`). */
  level: string;
  /** Wildcard patterns over `"<METHOD> <path>"` not to log. @default ["GET /health"] */
  skip: string[];
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

/**
 * One log line per finished request, through the app's pino logger, unless `"<METHOD> <path>"`
 * matches a skip pattern. It names the caller (username, or `key` for the API key) and never
 * a credential: no header is logged, and the URL carries none. `logger` is the app's logger,
 * whose children `request.log` are.
 */
export function registerRequestLogger(app: FastifyInstance, options: RequestLoggerOptions, logger: Logger): void {
  const level = toLevel(options.level);
  // The default level (debug) is below the default log level (info): a hook that only builds a
  // line pino then drops would cost every request for nothing. Levels never change at run time.
  if (!options.enabled || !logger.isLevelEnabled(level)) return;
  const skip = options.skip.map(wildcard);
  app.addHook('onResponse', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (skip.some((re) => re.test(`${request.method} ${path}`))) return;
    request.log[level](
      {
        method: request.method,
        url: request.url,
        ip: request.ip,
        user: request.principal ? (request.principal.user?.username ?? request.principal.method) : undefined,
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime),
      },
      'request completed',
    );
  });
}

function toLevel(text: string): Level {
  const lower = text.toLowerCase();
  return (LEVELS as readonly string[]).includes(lower) ? (lower as Level) : 'debug';
}

function wildcard(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 's');
}
