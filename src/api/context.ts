import type { Broker } from '../broker/broker.js';
import type { Datastore } from '../datastore/datastore.js';
import type { Logger } from '../logger.js';
import type { MetricsRegistry } from '../metrics.js';
import type { Job } from '../model/job.js';
import type { Redactor } from '../model/redact.js';
import type { Authenticator } from './auth/authenticator.js';
import type { JobEndWatcher } from './job-end-watcher.js';

/** What every route group receives from `buildApp`. */
export interface ApiContext {
  datastore: Datastore;
  broker: Broker;
  logger: Logger;
  /** Drover's version, as `/health` and nodes report it. */
  version: string;
  redactor: Redactor;
  /** False while the engine cannot run parallel/each/subjob tasks. */
  allowComposite: boolean;
  /** Tells wait-mode submits when their job ends. */
  jobEnds: JobEndWatcher;
  /** Aborted when the server starts closing, so waiting requests give up at once. */
  closing: AbortSignal;
  /** Checks credentials, for routes that authenticate by themselves (`request.principal` holds the auth middleware's result). */
  authenticator: Authenticator;
  /**
   * Store and start a submitted job in one step (the coordinator of this process); without it, as
   * in API-only tests, `POST /jobs` stores the job PENDING and publishes it to the `jobs` queue.
   */
  submitJob?: (job: Job) => Promise<Job>;
  /** Counters of this process for the Prometheus text of `/metrics` (none in API-only tests). */
  metrics?: MetricsRegistry;
}
