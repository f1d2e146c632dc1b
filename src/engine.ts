/**
 * The one place that reads the config and wires implementations together. Each port's
 * implementation is chosen from a map keyed by its config `type`.
 */
import type { AddressInfo } from 'node:net';
import { buildApp } from './api/app.js';
import type { Broker } from './broker/broker.js';
import { InMemoryBroker } from './broker/inmemory.js';
import type { Config } from './config/config.js';
import { Coordinator } from './coordinator/coordinator.js';
import type { Datastore } from './datastore/datastore.js';
import { SqliteDatastore } from './datastore/sqlite.js';
import { ConfigError } from './errors.js';
import type { Logger } from './logger.js';
import { createRedactor } from './model/redact.js';
import type { Runtime } from './runtime/runtime.js';
import { ShellRuntime } from './runtime/shell/runtime.js';
import { VERSION } from './version.js';
import { Worker } from './worker/worker.js';

export type Mode = 'standalone' | 'coordinator' | 'worker';

export interface Engine {
  readonly mode: Mode;
  /** Base URL of the HTTP server, when one listens (e.g. `http://127.0.0.1:8000`). */
  readonly url?: string;
  close(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  mode: Mode;
  logger: Logger;
}

type Factory<T> = (config: Config, logger: Logger) => Promise<T>;

const DATASTORES: Record<string, Factory<Datastore>> = {
  sqlite: async (config, logger) => new SqliteDatastore({ path: config.datastore.sqlite.path, logger }),
};

const BROKERS: Record<string, Factory<Broker>> = {
  inmemory: async (_config, logger) => new InMemoryBroker({ logger }),
};

const RUNTIMES: Record<string, Factory<Runtime>> = {
  shell: async (config, logger) =>
    new ShellRuntime({
      cmd: [...config.runtime.shell.cmd],
      uid: parseId(config.runtime.shell.uid, 'runtime.shell.uid'),
      gid: parseId(config.runtime.shell.gid, 'runtime.shell.gid'),
      logger,
    }),
};

function parseId(value: string, key: string): number | undefined {
  if (value === '' || value === '-') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${key}: "${value}" is not a numeric id (or "-" for no change)`);
  return n;
}

function choose<T>(map: Record<string, Factory<T>>, type: string, key: string): Factory<T> {
  const factory = map[type];
  if (!factory) {
    throw new ConfigError(`${key}: "${type}" is not available in this build (available: ${Object.keys(map).join(', ')})`);
  }
  return factory;
}

export async function openDatastore(config: Config, logger: Logger): Promise<Datastore> {
  return choose(DATASTORES, config.datastore.type, 'datastore.type')(config, logger);
}

/** Close in reverse order of opening, whatever fails. */
class Closer {
  private readonly steps: Array<() => Promise<void>> = [];
  add(step: () => Promise<void>): void {
    this.steps.unshift(step);
  }
  async close(logger: Logger): Promise<void> {
    for (const step of this.steps.splice(0)) {
      try {
        await step();
      } catch (err) {
        logger.warn({ err }, 'error while shutting down');
      }
    }
  }
}

export async function startEngine({ config, mode, logger }: StartOptions): Promise<Engine> {
  const closer = new Closer();
  try {
    return await start(config, mode, logger, closer);
  } catch (err) {
    await closer.close(logger);
    throw err;
  }
}

async function start(config: Config, mode: Mode, logger: Logger, closer: Closer): Promise<Engine> {
  const broker = await choose(BROKERS, config.broker.type, 'broker.type')(config, logger);
  closer.add(() => broker.close());
  const runsCoordinator = mode !== 'worker';
  const runsWorker = mode !== 'coordinator';
  let url: string | undefined;

  if (runsWorker) {
    const runtime = await choose(RUNTIMES, config.runtime.type, 'runtime.type')(config, logger);
    closer.add(() => runtime.close());
    logger.info({ runtime: runtime.name }, 'runtime selected');
    const worker = new Worker({
      broker,
      runtime,
      logger,
      name: config.worker.name,
      version: VERSION,
      queues: { ...config.worker.queues },
      limits: { timeout: config.worker.limits.timeout || undefined },
    });
    // Added before the coordinator, so closed after it: the reports of tasks interrupted by a
    // shutdown are not consumed, and those tasks stay RUNNING for start-up recovery to re-run.
    closer.add(() => worker.close());
    await worker.start();
  }

  if (runsCoordinator) {
    const datastore = await openDatastore(config, logger);
    closer.add(() => datastore.close());
    if (config.datastore.type === 'sqlite') await datastore.migrate();
    const redactor = createRedactor(config.middleware.job.redact);
    const coordinator = new Coordinator({
      datastore,
      broker,
      logger,
      redactor,
      version: VERSION,
      name: config.coordinator.name,
      queues: { ...config.coordinator.queues },
      recoverOnStart: config.broker.type === 'inmemory',
      retention: { logsMs: config.datastore.retention.logsMs, jobsMs: config.datastore.retention.jobsMs },
    });
    closer.add(() => coordinator.close());
    await coordinator.start();

    const app = await buildApp({ datastore, broker, logger, version: VERSION, config, allowComposite: false });
    closer.add(() => app.close());
    const { host, port } = splitAddress(config.coordinator.address);
    await app.listen({ host, port });
    const address = app.server.address() as AddressInfo;
    url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    logger.info({ url, mode }, 'drover listening');
  }

  let closing: Promise<void> | undefined;
  return {
    mode,
    url,
    close: () => (closing ??= closer.close(logger)),
  };
}

function splitAddress(address: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(address);
  if (!m) throw new ConfigError(`coordinator.address: "${address}" is not host:port`);
  return { host: m[1] === '' ? '127.0.0.1' : m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}
