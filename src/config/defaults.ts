/**
 * Every configuration default, in one place. `configs/sample.toml` repeats them for users;
 * `test/config/defaults.test.ts` keeps the two in step.
 *
 * Where Drover departs from Tork's defaults, and why:
 * - `datastore.type = sqlite` and `runtime.type = shell`: `drover run standalone` works on a
 *   bare machine with no PostgreSQL or Docker.
 * - `logging.level = info` (Tork: debug): debug logs every message hop.
 * - `logging.format`: `pretty` when stderr is a terminal, `json` otherwise. Pretty printing is
 *   for people; a service manager or a pipe wants one JSON object per line.
 * - `worker.queues = { default: <number of CPUs> }` (Tork: 1): a standalone server should run
 *   the branches of a `parallel` or `each` task side by side out of the box. Set
 *   `worker.queues.default = 1` for Tork's one-at-a-time behaviour.
 * - `coordinator.address = 127.0.0.1:8000`: listen on loopback only unless told otherwise.
 * - `coordinator.queues` = 8 for `pending`, `started`, `completed` and `error` (Tork: 1): the
 *   transactions of handlers running side by side share one commit (group commit), which one
 *   handler at a time never allows. Queues where order matters (`progress`, `logs`, `jobs`)
 *   stay at 1.
 * - `broker.rabbitmq.durable.queues = true` (Tork: false): queues and messages survive a
 *   RabbitMQ restart, so a restart loses no job.
 */
import { COORDINATOR_QUEUES } from '../broker/broker.js';
import { availableParallelism } from 'node:os';
import type { Config } from './config.js';

/** Facts about the host that some defaults depend on. */
export interface HostFacts {
  /** @default os.availableParallelism() */
  cpus?: number;
  /** @default process.stderr.isTTY */
  stderrIsTTY?: boolean;
}

/** The coordinator's own queues; each gets one consumer unless `coordinator.queues.<name>` says otherwise. */
export const COORDINATOR_QUEUE_NAMES = COORDINATOR_QUEUES;

export const API_ENDPOINT_GROUPS = [
  'health',
  'jobs',
  'tasks',
  'nodes',
  'queues',
  'metrics',
  'users',
] as const;

export const DEFAULT_POSTGRES_DSN = 'postgres://drover:drover@localhost:5432/drover?sslmode=disable';
export const DEFAULT_RABBITMQ_URL = 'amqp://guest:guest@localhost:5672/';
export const DEFAULT_SQLITE_PATH = './.drover/drover.db';

/** Coordinator queues whose handlers run eight at a time by default, see above. */
const GROUP_COMMIT_QUEUES: ReadonlySet<string> = new Set(['pending', 'started', 'completed', 'error']);

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** A fresh, mutable config holding every default. */
export function defaultConfig(host: HostFacts = {}): Config {
  const cpus = host.cpus ?? availableParallelism();
  const isTTY = host.stderrIsTTY ?? process.stderr.isTTY === true;
  return {
    logging: { level: 'info', format: isTTY ? 'pretty' : 'json' },
    cli: { banner: { mode: 'console' } },
    endpoint: 'http://127.0.0.1:8000',
    broker: {
      type: 'inmemory',
      rabbitmq: {
        url: DEFAULT_RABBITMQ_URL,
        consumerTimeoutMs: 30 * MINUTE_MS,
        // Derived from the broker URL's host when not set (see load.ts).
        managementUrl: 'http://localhost:15672',
        durableQueues: true,
        queueType: 'classic',
      },
    },
    datastore: {
      type: 'sqlite',
      sqlite: { path: DEFAULT_SQLITE_PATH },
      postgres: {
        dsn: DEFAULT_POSTGRES_DSN,
        maxOpenConns: 25,
        maxIdleConns: 25,
        connMaxLifetimeMs: HOUR_MS,
        connMaxIdleTimeMs: 5 * MINUTE_MS,
      },
      retention: { logsMs: 168 * HOUR_MS, jobsMs: 8760 * HOUR_MS },
      encryption: { key: '' },
    },
    // Follows `datastore.type` when not set (see load.ts).
    locker: { type: 'sqlite', postgres: { dsn: DEFAULT_POSTGRES_DSN } },
    coordinator: {
      address: '127.0.0.1:8000',
      name: 'Coordinator',
      queues: Object.fromEntries(COORDINATOR_QUEUE_NAMES.map((q) => [q, GROUP_COMMIT_QUEUES.has(q) ? 8 : 1])),
      heartbeatIntervalMs: 30_000,
      livenessTimeoutMs: 90_000,
      api: {
        endpoints: {
          health: true,
          jobs: true,
          tasks: true,
          nodes: true,
          queues: true,
          metrics: true,
          users: true,
        },
      },
    },
    middleware: {
      web: {
        cors: { enabled: false, origins: ['*'], methods: ['*'], headers: ['*'], credentials: false },
        basicauth: { enabled: false, admin: { username: 'admin', password: '' } },
        keyauth: { enabled: false, key: '' },
        ratelimit: { enabled: false, rps: 20 },
        bodylimit: 500_000,
        logger: { enabled: true, level: 'debug', skip: ['GET /health'] },
      },
      job: { redact: { enabled: true, patterns: [] } },
      task: { hostenv: { vars: [] } },
    },
    worker: {
      address: '',
      name: 'Worker',
      queues: { default: cpus },
      heartbeatIntervalMs: 30_000,
      limits: { cpus: '', memory: '', timeout: '' },
    },
    mounts: { bind: { allowed: false, sources: [] } },
    runtime: {
      type: 'auto',
      shell: { cmd: ['bash', '-c'], uid: '-', gid: '-', tempdir: '' },
      docker: { config: '', privileged: false, imageTtlMs: 72 * HOUR_MS, imageVerify: false },
      podman: { privileged: false, hostNetwork: false },
    },
    ui: { enabled: true },
  };
}
