/**
 * The REST API (api spec §3): a Fastify app over the datastore and the broker. It never runs
 * tasks: submitting a job stores it and publishes it to the `jobs` queue, where a coordinator
 * takes over.
 */
import { setMaxListeners } from 'node:events';
import Fastify, { LogController, type FastifyInstance } from 'fastify';

import type { Broker } from '../broker/broker.js';
import type { Config } from '../config/config.js';
import type { Datastore } from '../datastore/datastore.js';
import type { Logger } from '../logger.js';
import type { MetricsRegistry } from '../metrics.js';
import { createRedactor } from '../model/redact.js';
import type { ApiContext } from './context.js';
import { registerErrorHandling } from './errors.js';
import { registerWebMiddleware } from './middleware/web.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerJobSubmitRoute } from './routes/job-submit.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerMetricsRoutes } from './routes/metrics.js';
import { registerNodeRoutes } from './routes/nodes.js';
import { registerQueueRoutes } from './routes/queues.js';
import { registerScheduledJobRoutes } from './routes/scheduled-jobs.js';
import { registerTaskRoutes } from './routes/tasks.js';
import { registerUserRoutes } from './routes/users.js';
import { registerUi } from './ui/plugin.js';
import { JobEndWatcher } from './job-end-watcher.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The wait-mode submits waiting now (`jobEnds.waiting`), for tests and diagnostics. */
    jobEnds: JobEndWatcher;
  }
}

export interface ApiOptions {
  datastore: Datastore;
  broker: Broker;
  logger: Logger;
  /** Reported by `GET /health`. */
  version: string;
  /** `ui` is optional so that API-only callers need not pass it; the UI is served when `ui.enabled`. */
  config: Pick<Config, 'coordinator' | 'middleware'> & Partial<Pick<Config, 'ui'>>;
  /** False while the engine cannot run parallel/each/subjob: `POST /jobs` rejects them with 400. @default true */
  allowComposite?: boolean;
  /** The process's counters (the coordinator's), added to the Prometheus text of `GET /metrics`. */
  metrics?: MetricsRegistry;
  /** See `ApiContext.submitJob`. */
  submitJob?: ApiContext['submitJob'];
}

type EndpointGroup = keyof Config['coordinator']['api']['endpoints'];
type RegisterRoutes = (app: FastifyInstance, ctx: ApiContext) => void;

/**
 * Route groups, each switchable with `coordinator.api.endpoints.<group>` (a disabled group answers
 * 404 like any unknown route).
 */
const ROUTE_GROUPS: readonly (readonly [EndpointGroup, RegisterRoutes])[] = [
  ['health', registerHealthRoutes],
  ['jobs', registerJobSubmitRoute],
  ['jobs', registerJobRoutes],
  ['jobs', registerScheduledJobRoutes],
  ['tasks', registerTaskRoutes],
  ['queues', registerQueueRoutes],
  ['nodes', registerNodeRoutes],
  ['metrics', registerMetricsRoutes],
  ['users', registerUserRoutes],
];

/**
 * Build the app, ready for `listen()` or `inject()` (more routes or hooks may still be added
 * before either). Closing it ends waiting requests at once.
 */
export async function buildApp(options: ApiOptions): Promise<FastifyInstance> {
  const { config } = options;
  const app = Fastify({
    loggerInstance: options.logger,
    // Request logging is ours (request-logger.ts), so `GET /health` can be skipped.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.middleware.web.bodylimit,
  }) as unknown as FastifyInstance;

  // Every body reaches the routes as the raw text: the input module decides what a content
  // type means and words the errors.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  const closing = new AbortController();
  // Every waiting `POST /jobs?wait` listens to it: any number of listeners is expected.
  setMaxListeners(0, closing.signal);
  app.addHook('preClose', async () => closing.abort());
  const jobEnds = new JobEndWatcher(options.broker);
  app.addHook('onClose', () => jobEnds.close());
  app.decorate('jobEnds', jobEnds);

  registerErrorHandling(app);
  const authenticator = await registerWebMiddleware(app, {
    web: config.middleware.web,
    datastore: options.datastore,
    logger: options.logger,
  });

  const ctx: ApiContext = {
    datastore: options.datastore,
    broker: options.broker,
    logger: options.logger,
    version: options.version,
    redactor: createRedactor(config.middleware.job.redact),
    allowComposite: options.allowComposite ?? true,
    jobEnds,
    closing: closing.signal,
    authenticator,
    metrics: options.metrics,
    submitJob: options.submitJob,
  };
  const endpoints = config.coordinator.api.endpoints;
  for (const [group, register] of ROUTE_GROUPS) {
    if (endpoints[group] !== false) register(app, ctx);
  }
  if (config.ui?.enabled) registerUi(app, ctx);
  return app;
}
