/**
 * The known key tree: every config key as users write it (Tork's names, e.g.
 * `datastore.retention.logs.duration`), where it lands in `Config` (e.g.
 * `datastore.retention.logsMs`) and what kind of value it takes.
 */
import {
  addressValue,
  booleanValue,
  checkHostEnvSpec,
  durationTextValue,
  durationValue,
  enumValue,
  integerValue,
  sizeValue,
  stringListValue,
  stringValue,
  urlValue,
  type ValueType,
} from './values.js';
import { API_ENDPOINT_GROUPS } from './defaults.js';

/** One key holding one value. */
export interface LeafKey {
  kind: 'leaf';
  /** Dotted name as written in TOML. */
  key: string;
  /** Property path inside `Config`. */
  path: readonly string[];
  value: ValueType<unknown>;
}

/** A table whose entries are user-chosen names (`worker.queues.<queue>`). */
export interface MapKey {
  kind: 'map';
  key: string;
  path: readonly string[];
  value: ValueType<unknown>;
  /** Entries add to the defaults (true) or, once any entry is given, replace them (false). */
  mergesDefaults: boolean;
  /** Describes the expected table in messages, e.g. "a table of queue names to numbers". */
  expected: string;
}

export type KeySpec = LeafKey | MapKey;

function leaf(key: string, path: string, value: ValueType<unknown>): LeafKey {
  return { kind: 'leaf', key, path: path.split('.'), value };
}

/** A leaf whose Config path is its key. */
function same(key: string, value: ValueType<unknown>): LeafKey {
  return leaf(key, key, value);
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const DSN = stringValue();
const HOSTENV = stringListValue(checkHostEnvSpec);

export const KEYS: readonly KeySpec[] = [
  same('cli.banner.mode', enumValue(['off', 'console', 'log'])),
  same('logging.level', enumValue(LOG_LEVELS, { warning: 'warn' })),
  same('logging.format', enumValue(['pretty', 'json'])),
  same('endpoint', urlValue(['http:', 'https:'])),

  same('broker.type', enumValue(['inmemory', 'rabbitmq'])),
  same('broker.rabbitmq.url', urlValue(['amqp:', 'amqps:'])),
  leaf('broker.rabbitmq.consumer.timeout', 'broker.rabbitmq.consumerTimeoutMs', durationValue(1000, '1s')),
  leaf('broker.rabbitmq.management.url', 'broker.rabbitmq.managementUrl', urlValue(['http:', 'https:'])),
  leaf('broker.rabbitmq.durable.queues', 'broker.rabbitmq.durableQueues', booleanValue()),
  leaf('broker.rabbitmq.queue.type', 'broker.rabbitmq.queueType', enumValue(['classic', 'quorum'])),

  same('datastore.type', enumValue(['sqlite', 'postgres'])),
  same('datastore.sqlite.path', stringValue()),
  same('datastore.postgres.dsn', DSN),
  leaf('datastore.postgres.max_open_conns', 'datastore.postgres.maxOpenConns', integerValue(1)),
  leaf('datastore.postgres.max_idle_conns', 'datastore.postgres.maxIdleConns', integerValue(0)),
  leaf('datastore.postgres.conn_max_lifetime', 'datastore.postgres.connMaxLifetimeMs', durationValue()),
  leaf('datastore.postgres.conn_max_idle_time', 'datastore.postgres.connMaxIdleTimeMs', durationValue()),
  leaf('datastore.retention.logs.duration', 'datastore.retention.logsMs', durationValue(60_000, '1m')),
  leaf('datastore.retention.jobs.duration', 'datastore.retention.jobsMs', durationValue(60_000, '1m')),
  same('datastore.encryption.key', stringValue()),

  same('locker.type', enumValue(['inmemory', 'postgres', 'sqlite'])),
  same('locker.postgres.dsn', DSN),

  same('coordinator.address', addressValue()),
  same('coordinator.name', stringValue()),
  queueMap('coordinator.queues', true),
  leaf('coordinator.heartbeat.interval', 'coordinator.heartbeatIntervalMs', durationValue(100, '100ms')),
  leaf('coordinator.liveness.timeout', 'coordinator.livenessTimeoutMs', durationValue(1000, '1s')),
  ...API_ENDPOINT_GROUPS.map((group) => same(`coordinator.api.endpoints.${group}`, booleanValue())),

  same('middleware.web.cors.enabled', booleanValue()),
  same('middleware.web.cors.origins', stringListValue()),
  same('middleware.web.cors.methods', stringListValue()),
  same('middleware.web.cors.headers', stringListValue()),
  same('middleware.web.cors.credentials', booleanValue()),
  same('middleware.web.basicauth.enabled', booleanValue()),
  same('middleware.web.basicauth.admin.username', stringValue()),
  same('middleware.web.basicauth.admin.password', stringValue()),
  same('middleware.web.keyauth.enabled', booleanValue()),
  same('middleware.web.keyauth.key', stringValue()),
  same('middleware.web.ratelimit.enabled', booleanValue()),
  same('middleware.web.ratelimit.rps', integerValue(1)),
  same('middleware.web.bodylimit', sizeValue()),
  same('middleware.web.logger.enabled', booleanValue()),
  same('middleware.web.logger.level', enumValue(LOG_LEVELS, { warning: 'warn' })),
  same('middleware.web.logger.skip', stringListValue()),
  same('middleware.job.redact.enabled', booleanValue()),
  same('middleware.job.redact.patterns', stringListValue()),
  same('middleware.task.hostenv.vars', HOSTENV),

  same('worker.address', addressValue()),
  same('worker.name', stringValue()),
  queueMap('worker.queues', false),
  leaf('worker.heartbeat.interval', 'worker.heartbeatIntervalMs', durationValue(100, '100ms')),
  same('worker.limits.cpus', stringValue()),
  same('worker.limits.memory', stringValue()),
  same('worker.limits.timeout', durationTextValue()),

  same('mounts.bind.allowed', booleanValue()),
  same('mounts.bind.sources', stringListValue()),

  same('runtime.type', enumValue(['auto', 'shell', 'docker', 'podman'])),
  same('runtime.shell.cmd', stringListValue()),
  same('runtime.shell.uid', stringValue()),
  same('runtime.shell.gid', stringValue()),
  same('runtime.shell.tempdir', stringValue()),
  same('runtime.docker.config', stringValue()),
  same('runtime.docker.privileged', booleanValue()),
  leaf('runtime.docker.image.ttl', 'runtime.docker.imageTtlMs', durationValue()),
  leaf('runtime.docker.image.verify', 'runtime.docker.imageVerify', booleanValue()),
  same('runtime.podman.privileged', booleanValue()),
  leaf('runtime.podman.host.network', 'runtime.podman.hostNetwork', booleanValue()),

  same('ui.enabled', booleanValue()),
];

function queueMap(key: string, mergesDefaults: boolean): MapKey {
  return {
    kind: 'map',
    key,
    path: key.split('.'),
    value: integerValue(1),
    mergesDefaults,
    expected: 'a table of queue names to numbers',
  };
}

/** A node of the key tree, keyed by one dotted segment (which may itself contain `_`). */
export interface KeyNode {
  children: Map<string, KeyNode>;
  spec?: KeySpec;
}

function buildTree(keys: readonly KeySpec[]): KeyNode {
  const root: KeyNode = { children: new Map() };
  for (const spec of keys) {
    let node = root;
    for (const segment of spec.key.split('.')) {
      let child = node.children.get(segment);
      if (!child) {
        child = { children: new Map() };
        node.children.set(segment, child);
      }
      node = child;
    }
    node.spec = spec;
  }
  return root;
}

export const KEY_TREE: KeyNode = buildTree(KEYS);
