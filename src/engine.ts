/**
 * The one place that reads the config and wires implementations together. Each port's
 * implementation is chosen from a map keyed by its config `type`.
 */
import type { AddressInfo } from 'node:net';
import { buildApp } from './api/app.js';
import { securityWarnings } from './api/auth/startup-checks.js';
import type { Broker } from './broker/broker.js';
import { InMemoryBroker } from './broker/inmemory.js';
import type { Config } from './config/config.js';
import type { JobEndWatcher } from './api/job-end-watcher.js';
import { Coordinator, type CoordinatorOptions } from './coordinator/coordinator.js';
import type { Datastore } from './datastore/datastore.js';
import type { PostgresDatastore } from './datastore/postgres.js';
import { SqliteDatastore } from './datastore/sqlite.js';
import { ConfigError } from './errors.js';
import type { Logger } from './logger.js';
import { MetricsRegistry } from './metrics.js';
import { createRedactor } from './model/redact.js';
import type { Runtime } from './runtime/runtime.js';
import { ShellRuntime } from './runtime/shell/runtime.js';
import { chooseTempBase } from './runtime/shell/temp-base.js';
import { VERSION } from './version.js';
import { startWorkerHealthServer } from './worker/health-server.js';
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
  /** Knobs that are not configuration keys (tests shorten webhook retries with them). */
  tuning?: EngineTuning;
}

export interface EngineTuning {
  webhooks?: CoordinatorOptions['webhooks'];
  /** The worker's delay before it reports a task started (worker/task-run.ts). */
  startedDelayMs?: number;
}

type Factory<T> = (config: Config, logger: Logger) => Promise<T>;

// The PostgreSQL, RabbitMQ and Docker implementations are imported when chosen: pg, amqplib and
// dockerode weigh tens of MB of memory in a process that does not use them (a standalone server).

const DATASTORES: Record<string, Factory<Datastore>> = {
  sqlite: async (config, logger) =>
    new SqliteDatastore({
      path: config.datastore.sqlite.path,
      logger,
      encryptionKey: config.datastore.encryption.key || undefined,
    }),
  postgres: async (config, logger) =>
    new (await import('./datastore/postgres.js')).PostgresDatastore({
      dsn: config.datastore.postgres.dsn,
      logger,
      maxConnections: config.datastore.postgres.maxOpenConns,
      idleTimeoutMs: config.datastore.postgres.connMaxIdleTimeMs,
      maxLifetimeMs: config.datastore.postgres.connMaxLifetimeMs,
      encryptionKey: config.datastore.encryption.key || undefined,
    }),
};

const BROKERS: Record<string, Factory<Broker>> = {
  inmemory: async (_config, logger) => new InMemoryBroker({ logger }),
  rabbitmq: async (config, logger) =>
    (await import('./broker/rabbitmq/broker.js')).RabbitMqBroker.connect({
      url: config.broker.rabbitmq.url,
      logger,
      managementUrl: config.broker.rabbitmq.managementUrl,
      durableQueues: config.broker.rabbitmq.durableQueues,
      queueType: config.broker.rabbitmq.queueType,
      consumerTimeoutMs: config.broker.rabbitmq.consumerTimeoutMs,
    }),
};

const RUNTIMES: Record<string, Factory<Runtime>> = {
  shell: async (config, logger) =>
    new ShellRuntime({
      cmd: [...config.runtime.shell.cmd],
      uid: parseId(config.runtime.shell.uid, 'runtime.shell.uid'),
      gid: parseId(config.runtime.shell.gid, 'runtime.shell.gid'),
      tempDir: chooseTempBase({ configured: config.runtime.shell.tempdir, env: process.env }),
      logger,
    }),
  docker: async (config, logger) =>
    new (await import('./runtime/docker/runtime.js')).DockerRuntime({
      logger,
      kind: 'docker',
      workerId: config.worker.name,
      privileged: config.runtime.docker.privileged,
      bindMounts: config.mounts.bind,
      configFile: config.runtime.docker.config,
      imageVerify: config.runtime.docker.imageVerify,
      imageTtlMs: config.runtime.docker.imageTtlMs,
    }),
  podman: async (config, logger) =>
    new (await import('./runtime/docker/runtime.js')).DockerRuntime({
      logger,
      kind: 'podman',
      workerId: config.worker.name,
      privileged: config.runtime.podman.privileged,
      hostNetwork: config.runtime.podman.hostNetwork,
      bindMounts: config.mounts.bind,
      configFile: config.runtime.docker.config,
      imageVerify: config.runtime.docker.imageVerify,
      imageTtlMs: config.runtime.docker.imageTtlMs,
    }),
};

/**
 * `auto` (the default) keeps the zero-setup promise: tasks run as shell processes unless a
 * Docker engine answers, in which case they run in containers as in Tork. Podman is never
 * picked implicitly; name it with `runtime.type = podman`.
 */
async function resolveRuntimeType(type: Config['runtime']['type']): Promise<string> {
  if (type !== 'auto') return type;
  const { dockerEngineAnswers } = await import('./runtime/docker/connection.js');
  return (await dockerEngineAnswers(500)) ? 'docker' : 'shell';
}

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

/** The broker `broker.type` names (the benchmark's no-op worker connects through this). */
export async function openBroker(config: Config, logger: Logger): Promise<Broker> {
  return choose(BROKERS, config.broker.type, 'broker.type')(config, logger);
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

export async function startEngine({ config, mode, logger, tuning = {} }: StartOptions): Promise<Engine> {
  const closer = new Closer();
  try {
    return await start(config, mode, logger, closer, tuning);
  } catch (err) {
    await closer.close(logger);
    throw err;
  }
}

async function start(config: Config, mode: Mode, logger: Logger, closer: Closer, tuning: EngineTuning): Promise<Engine> {
  const broker = await choose(BROKERS, config.broker.type, 'broker.type')(config, logger);
  closer.add(() => broker.close());
  const runsCoordinator = mode !== 'worker';
  const runsWorker = mode !== 'coordinator';
  let url: string | undefined;

  if (runsWorker) {
    const runtimeType = await resolveRuntimeType(config.runtime.type);
    const runtime = await choose(RUNTIMES, runtimeType, 'runtime.type')(config, logger);
    closer.add(() => runtime.close());
    logger.info({ runtime: runtime.name, configured: config.runtime.type }, 'runtime selected');
    // A worker on its own gets a small health endpoint (standalone has the API's /health).
    const health =
      mode === 'worker'
        ? await startWorkerHealthServer({
            address: config.worker.address,
            check: async () => {
              await runtime.healthCheck();
              await broker.healthCheck();
            },
            version: VERSION,
            logger,
          })
        : undefined;
    if (health) {
      closer.add(() => health.close());
      url = health.url;
    }
    const worker = new Worker({
      broker,
      runtime,
      logger,
      name: config.worker.name,
      version: VERSION,
      queues: { ...config.worker.queues },
      limits: {
        timeout: config.worker.limits.timeout || undefined,
        cpus: config.worker.limits.cpus || undefined,
        memory: config.worker.limits.memory || undefined,
      },
      heartbeatIntervalMs: config.worker.heartbeatIntervalMs,
      startedDelayMs: tuning.startedDelayMs,
      port: health?.autoAssigned ? health.port : undefined,
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
    if (config.datastore.type === 'postgres') await assertMigrated(datastore as PostgresDatastore);
    const redactor = createRedactor(config.middleware.job.redact);
    // One registry per process: the coordinator counts into it, `GET /metrics` renders it.
    const metrics = new MetricsRegistry();
    // The API is built after the coordinator, which tells it of every job's end (below).
    const api: { jobEnds?: JobEndWatcher } = {};
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
      metrics,
      webhooks: tuning.webhooks,
      heartbeatIntervalMs: config.coordinator.heartbeatIntervalMs,
      liveness: { timeoutMs: config.coordinator.livenessTimeoutMs, concurrency: config.coordinator.queues.redeliveries },
      jobEnded: (job) => api.jobEnds?.notify(job) ?? false,
    });
    closer.add(() => coordinator.close());
    await coordinator.start();

    const app = await buildApp({
      datastore,
      broker,
      logger,
      version: VERSION,
      config,
      allowComposite: true,
      metrics,
      submitJob: (job) => coordinator.submitJob(job),
    });
    api.jobEnds = app.jobEnds;
    closer.add(() => app.close());
    const { host, port } = splitAddress(config.coordinator.address);
    for (const warning of securityWarnings(config, host)) logger.warn(warning);
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

/** PostgreSQL's schema is upgraded by `drover migration` (once, by an operator), not at start-up. */
async function assertMigrated(datastore: PostgresDatastore): Promise<void> {
  const pending = await datastore.pendingMigrations();
  if (pending.length > 0) {
    throw new ConfigError(
      `the PostgreSQL schema is not up to date (pending: ${pending.join(', ')}): run \`drover migration\` first`,
    );
  }
}

function splitAddress(address: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(address);
  if (!m) throw new ConfigError(`coordinator.address: "${address}" is not host:port`);
  return { host: m[1] === '' ? '127.0.0.1' : m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}
