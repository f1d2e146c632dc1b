import type { Broker } from '../../src/broker/broker.js';
import type { HandlerDeps } from '../../src/coordinator/deps.js';
import { CoordinatorMetrics } from '../../src/coordinator/metrics.js';
import type { Datastore } from '../../src/datastore/datastore.js';
import { silentLogger } from '../../src/logger.js';
import { createRedactor } from '../../src/model/redact.js';

/** What coordinator handlers need, for calling one directly: a fixed clock, retries dropped. */
export function handlerDeps(ds: Datastore, broker: Broker, now: Date): HandlerDeps {
  return {
    ds,
    broker,
    logger: silentLogger(),
    redactor: createRedactor({ enabled: true }),
    now: () => now,
    later: () => undefined,
    metrics: new CoordinatorMetrics(),
  };
}
