import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createSandbox, type Sandbox } from './helpers.js';

describe('DROVER_* environment overlay', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = createSandbox();
  });
  afterEach(() => box.remove());

  const load = (env: NodeJS.ProcessEnv) => loadConfig({ env, cwd: box.cwd, homedir: box.home, cpus: 2 });

  it('maps underscores to dots', () => {
    const { config } = load({
      DROVER_DATASTORE_POSTGRES_DSN: 'postgres://x@y/z',
      DROVER_BROKER_TYPE: 'rabbitmq',
    });
    expect(config.datastore.postgres.dsn).toBe('postgres://x@y/z');
    expect(config.broker.type).toBe('rabbitmq');
  });

  it('reaches keys whose names contain underscores', () => {
    const { config } = load({
      DROVER_DATASTORE_POSTGRES_MAX_OPEN_CONNS: '50',
      DROVER_DATASTORE_POSTGRES_CONN_MAX_IDLE_TIME: '90s',
    });
    expect(config.datastore.postgres.maxOpenConns).toBe(50);
    expect(config.datastore.postgres.connMaxIdleTimeMs).toBe(90_000);
  });

  it('keeps Tork key names for values stored under other names', () => {
    const { config } = load({
      DROVER_DATASTORE_RETENTION_LOGS_DURATION: '1h30m',
      DROVER_BROKER_RABBITMQ_CONSUMER_TIMEOUT: '5m',
      DROVER_RUNTIME_DOCKER_IMAGE_TTL: '24h',
      DROVER_RUNTIME_PODMAN_HOST_NETWORK: 't',
    });
    expect(config.datastore.retention.logsMs).toBe(90 * 60_000);
    expect(config.broker.rabbitmq.consumerTimeoutMs).toBe(5 * 60_000);
    expect(config.runtime.docker.imageTtlMs).toBe(24 * 3_600_000);
    expect(config.runtime.podman.hostNetwork).toBe(true);
  });

  it('adds any queue name under worker.queues, replacing the default queue', () => {
    const { config } = load({ DROVER_WORKER_QUEUES_VIDEO: '2', DROVER_WORKER_QUEUES_BIG_JOBS: '1' });
    expect(config.worker.queues).toEqual({ video: 2, big_jobs: 1 });
  });

  it('merges worker queue entries from the file and the environment', () => {
    box.write('work/drover.toml', '[worker.queues]\ndefault = 4\nvideo = 1\n');
    const { config } = load({ DROVER_WORKER_QUEUES_VIDEO: '3' });
    expect(config.worker.queues).toEqual({ default: 4, video: 3 });
  });

  it('overrides one coordinator queue and keeps the defaults of the others', () => {
    const { config } = load({ DROVER_COORDINATOR_QUEUES_PENDING: '4' });
    expect(config.coordinator.queues.pending).toBe(4);
    expect(config.coordinator.queues.completed).toBe(8);
    expect(config.coordinator.queues.progress).toBe(1);
  });

  it('splits lists on commas and trims each item', () => {
    const { config } = load({ DROVER_MIDDLEWARE_WEB_CORS_ORIGINS: 'https://a.example, https://b.example' });
    expect(config.middleware.web.cors.origins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('reads the shell work dir base, empty (chosen at start) unless set', () => {
    expect(load({}).config.runtime.shell.tempdir).toBe('');
    expect(load({ DROVER_RUNTIME_SHELL_TEMPDIR: '/var/tmp' }).config.runtime.shell.tempdir).toBe('/var/tmp');
  });

  it('reads an empty list variable as an empty list', () => {
    expect(load({ DROVER_RUNTIME_SHELL_CMD: '' }).config.runtime.shell.cmd).toEqual([]);
  });

  it('accepts true, false, 1, 0, t and f for booleans in any case', () => {
    const cases: Array<[string, boolean]> = [
      ['true', true],
      ['FALSE', false],
      ['1', true],
      ['0', false],
      ['T', true],
      ['f', false],
    ];
    for (const [text, expected] of cases) {
      expect(load({ DROVER_UI_ENABLED: text }).config.ui.enabled).toBe(expected);
    }
  });

  it('parses sizes in decimal and binary units', () => {
    const size = (text: string) =>
      load({ DROVER_MIDDLEWARE_WEB_BODYLIMIT: text }).config.middleware.web.bodylimit;
    expect(size('500K')).toBe(500_000);
    expect(size('1M')).toBe(1_000_000);
    expect(size('1Mi')).toBe(1_048_576);
    expect(size('2KiB')).toBe(2048);
    expect(size('1024')).toBe(1024);
  });

  it('accepts warning as a spelling of the warn log level', () => {
    expect(load({ DROVER_LOGGING_LEVEL: 'WARNING' }).config.logging.level).toBe('warn');
  });

  it('warns about a variable that names no known key', () => {
    const { warnings } = load({ DROVER_DATASTORE_FLAVOR: 'x', DROVER_WORKER_QUEUES: '3' });
    expect(warnings).toEqual([
      'unknown config key datastore.flavor (from DROVER_DATASTORE_FLAVOR)',
      'unknown config key worker.queues (from DROVER_WORKER_QUEUES)',
    ]);
  });

  it('ignores variables without the DROVER_ prefix', () => {
    const { warnings, config } = load({ TORK_DATASTORE_TYPE: 'postgres', DATASTORE_TYPE: 'postgres' });
    expect(warnings).toEqual([]);
    expect(config.datastore.type).toBe('sqlite');
  });
});

describe('config file keys', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = createSandbox();
  });
  afterEach(() => box.remove());

  const loadFile = (toml: string) => {
    const file = box.write('work/drover.toml', toml);
    return { file, ...loadConfig({ env: {}, cwd: box.cwd, homedir: box.home }) };
  };

  it('warns about unknown keys, naming the key and the file', () => {
    const { file, warnings } = loadFile('[datastore]\nflavor = "x"\n[unknown.section]\na = 1\n');
    expect(warnings).toEqual([
      `unknown config key datastore.flavor (in ${file})`,
      `unknown config key unknown (in ${file})`,
    ]);
  });

  it('takes a single string where a list is expected as a one-element list without splitting commas', () => {
    const { config } = loadFile('[middleware.web.cors]\norigins = "https://a.example,https://b.example"\n');
    expect(config.middleware.web.cors.origins).toEqual(['https://a.example,https://b.example']);
  });

  it('reads a TOML integer duration as nanoseconds, as Tork does', () => {
    const { config } = loadFile('[runtime.docker]\nimage.ttl = 2_000_000_000\n');
    expect(config.runtime.docker.imageTtlMs).toBe(2000);
  });

  it('keeps queue names that contain dots when written as quoted TOML keys', () => {
    const { config } = loadFile('[worker.queues]\n"x.y" = 2\n');
    expect(config.worker.queues).toEqual({ 'x.y': 2 });
  });

  it('keeps an absolute SQLite path and the in-memory name as written', () => {
    expect(loadFile('datastore.sqlite.path = "/var/lib/drover.db"\n').config.datastore.sqlite.path).toBe(
      '/var/lib/drover.db',
    );
    expect(loadFile('datastore.sqlite.path = ":memory:"\n').config.datastore.sqlite.path).toBe(':memory:');
  });

  it('returns a deeply frozen config', () => {
    const { config } = loadFile('');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.worker.queues)).toBe(true);
    expect(Object.isFrozen(config.runtime.shell.cmd)).toBe(true);
    expect(() => {
      (config.datastore as { type: string }).type = 'postgres';
    }).toThrow(TypeError);
  });
});
