import type { Broker } from '../broker/broker.js';
import type { Datastore } from '../datastore/datastore.js';
import type { Logger } from '../logger.js';
import type { Job } from '../model/job.js';
import type { Redactor } from '../model/redact.js';
import type { Task } from '../model/task.js';
import type { CoordinatorMetrics } from './metrics.js';

/** What every coordinator handler needs. Built once by `Coordinator`. */
export interface HandlerDeps {
  ds: Datastore;
  broker: Broker;
  logger: Logger;
  redactor: Redactor;
  now: () => Date;
  /** Publish a task to `pending` after a delay (retry backoff). */
  later: (task: Task, delayMs: number) => void;
  /** Counts for `GET /metrics`, fed by `Effects.run` after each commit. */
  metrics: CoordinatorMetrics;
  /**
   * Told of each job that reached a terminal state, once committed: the API of this process
   * (`JobEndWatcher.notify`), whose waiting submits need not wait for the broker's event.
   * Returns whether a waiting request was told (it then reads the job for its answer).
   */
  jobEnded?: (job: Job) => boolean;
  /** Called after a commit that queued webhook deliveries, so they go out without waiting for a poll. */
  webhooksQueued?: () => void;
}
