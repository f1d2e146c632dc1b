/**
 * A standalone Drover built by the benchmark with the no-op runtime: the same parts as
 * `drover run standalone` (SQLite, in-memory broker, coordinator, worker, REST API), wired here
 * because the product offers no no-op runtime. Configured like the CLI, from `DROVER_*`
 * variables; logs `drover listening` with the URL, stops on SIGTERM.
 */
import type { AddressInfo } from 'node:net';
import type * as App from '../src/api/app.js';
import type { JobEndWatcher } from '../src/api/job-end-watcher.js';
import type * as InMemory from '../src/broker/inmemory.js';
import type * as Load from '../src/config/load.js';
import type * as CoordinatorModule from '../src/coordinator/coordinator.js';
import type * as Sqlite from '../src/datastore/sqlite.js';
import type * as LoggerModule from '../src/logger.js';
import type * as Redact from '../src/model/redact.js';
import type * as Version from '../src/version.js';
import type * as WorkerModule from '../src/worker/worker.js';
import { fromProduct } from './product.js';
import { NoopRuntime } from './noop-runtime.js';

const { buildApp } = await fromProduct<typeof App>('api/app.js');
const { InMemoryBroker } = await fromProduct<typeof InMemory>('broker/inmemory.js');
const { loadConfig } = await fromProduct<typeof Load>('config/load.js');
const { Coordinator } = await fromProduct<typeof CoordinatorModule>('coordinator/coordinator.js');
const { SqliteDatastore } = await fromProduct<typeof Sqlite>('datastore/sqlite.js');
const { createLogger } = await fromProduct<typeof LoggerModule>('logger.js');
const { createRedactor } = await fromProduct<typeof Redact>('model/redact.js');
const { VERSION } = await fromProduct<typeof Version>('version.js');
const { Worker } = await fromProduct<typeof WorkerModule>('worker/worker.js');

const { config } = loadConfig({ env: process.env });
const logger = createLogger({ level: config.logging.level, format: 'json' });
const broker = new InMemoryBroker({ logger });
const worker = new Worker({ broker, runtime: new NoopRuntime(), logger, version: VERSION, queues: { ...config.worker.queues } });
await worker.start();
const datastore = new SqliteDatastore({ path: config.datastore.sqlite.path, logger });
await datastore.migrate();
// As engine.ts wires them: submits start their job through the coordinator, which tells the
// API of each job's end.
const api: { jobEnds?: JobEndWatcher } = {};
const coordinator = new Coordinator({
  datastore,
  broker,
  logger,
  redactor: createRedactor(config.middleware.job.redact),
  version: VERSION,
  queues: { ...config.coordinator.queues },
  recoverOnStart: true,
  jobEnded: (job) => api.jobEnds?.notify(job) ?? false,
});
await coordinator.start();
const app = await buildApp({ datastore, broker, logger, version: VERSION, config, submitJob: (job) => coordinator.submitJob(job) });
api.jobEnds = app.jobEnds;
await app.listen({ host: '127.0.0.1', port: 0 });
const { port } = app.server.address() as AddressInfo;
logger.info({ url: `http://127.0.0.1:${port}` }, 'drover listening');

process.once('SIGTERM', () => {
  void (async () => {
    await app.close();
    await coordinator.close();
    await worker.close();
    await datastore.close();
    await broker.close();
    process.exit(0);
  })();
});
