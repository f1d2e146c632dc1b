/**
 * A distributed worker built by the benchmark with the no-op runtime: `drover run worker`'s
 * broker (from the same `DROVER_*` configuration) and Worker, minus the real runtime. Logs
 * `worker started` once it consumes; stops on SIGTERM.
 */
import type * as Engine from '../src/engine.js';
import type * as Load from '../src/config/load.js';
import type * as LoggerModule from '../src/logger.js';
import type * as Version from '../src/version.js';
import type * as WorkerModule from '../src/worker/worker.js';
import { NoopRuntime } from './noop-runtime.js';
import { fromProduct } from './product.js';

const { openBroker } = await fromProduct<typeof Engine>('engine.js');
const { loadConfig } = await fromProduct<typeof Load>('config/load.js');
const { createLogger } = await fromProduct<typeof LoggerModule>('logger.js');
const { VERSION } = await fromProduct<typeof Version>('version.js');
const { Worker } = await fromProduct<typeof WorkerModule>('worker/worker.js');

const { config } = loadConfig({ env: process.env });
const logger = createLogger({ level: config.logging.level, format: 'json' });
const broker = await openBroker(config, logger);
const worker = new Worker({ broker, runtime: new NoopRuntime(), logger, version: VERSION, queues: { ...config.worker.queues } });
await worker.start();

process.once('SIGTERM', () => {
  void (async () => {
    await worker.close();
    await broker.close();
    process.exit(0);
  })();
});
