import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { createSandbox, type Sandbox } from './helpers.js';

describe('bad config values', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = createSandbox();
  });
  afterEach(() => box.remove());

  /** The ConfigError message loading with these variables produces. */
  function envError(env: NodeJS.ProcessEnv): string {
    try {
      loadConfig({ env, cwd: box.cwd, homedir: box.home });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected loadConfig to throw');
  }

  function fileError(toml: string): { file: string; message: string } {
    const file = box.write('work/drover.toml', toml);
    return { file, message: envError({}) };
  }

  const envCases: Array<[string, string, string]> = [
    ['DROVER_DATASTORE_TYPE', 'mysql', 'datastore.type: "mysql" is not one of sqlite, postgres'],
    ['DROVER_LOGGING_LEVEL', 'loud', 'logging.level: "loud" is not one of debug, info, warn, error'],
    ['DROVER_UI_ENABLED', 'yes', 'ui.enabled: "yes" is not a boolean (true, false, 1, 0, t or f)'],
    [
      'DROVER_DATASTORE_POSTGRES_MAX_OPEN_CONNS',
      'lots',
      'datastore.postgres.max_open_conns: "lots" is not a whole number of at least 1',
    ],
    [
      'DROVER_MIDDLEWARE_WEB_RATELIMIT_RPS',
      '0',
      'middleware.web.ratelimit.rps: "0" is not a whole number of at least 1',
    ],
    [
      'DROVER_DATASTORE_RETENTION_LOGS_DURATION',
      '7 days',
      'datastore.retention.logs.duration: "7 days" is not a duration such as 30s, 5m or 1h30m',
    ],
    [
      'DROVER_DATASTORE_RETENTION_JOBS_DURATION',
      '30s',
      'datastore.retention.jobs.duration: "30s" is shorter than the minimum of 1m',
    ],
    [
      'DROVER_MIDDLEWARE_WEB_BODYLIMIT',
      '5X',
      'middleware.web.bodylimit: "5X" is not a size such as 500K, 1M or 1Mi',
    ],
    ['DROVER_WORKER_QUEUES_VIDEO', 'two', 'worker.queues.video: "two" is not a whole number of at least 1'],
    [
      'DROVER_ENDPOINT',
      'localhost:8000',
      'endpoint: "localhost:8000" is not a URL starting with http:// or https://',
    ],
    [
      'DROVER_BROKER_RABBITMQ_URL',
      'http://rabbit',
      'broker.rabbitmq.url: "http://rabbit" is not a URL starting with amqp:// or amqps://',
    ],
    [
      'DROVER_COORDINATOR_ADDRESS',
      'localhost',
      'coordinator.address: "localhost" is not an address such as 127.0.0.1:8000 or :8000',
    ],
    [
      'DROVER_MIDDLEWARE_TASK_HOSTENV_VARS',
      'HOME,A:B:C',
      'middleware.task.hostenv.vars: "HOME,A:B:C" has "A:B:C", which is not NAME or NAME:ALIAS',
    ],
    [
      'DROVER_WORKER_LIMITS_TIMEOUT',
      '10',
      'worker.limits.timeout: "10" is not a duration such as 30s, 5m or 1h30m',
    ],
    ['DROVER_LOGGING_FORMAT', '', 'logging.format: "" is not one of pretty, json'],
  ];

  it.each(envCases)(
    'rejects %s=%j naming the key, the value, what is allowed and the variable',
    (name, value, text) => {
      expect(envError({ [name]: value })).toBe(`${text} (from ${name})`);
    },
  );

  it('names the file when the bad value comes from the config file', () => {
    const { file, message } = fileError('[runtime]\ntype = "kubernetes"\n');
    expect(message).toBe(`runtime.type: "kubernetes" is not one of auto, shell, docker, podman (from ${file})`);
  });

  it('rejects a TOML value of the wrong type', () => {
    const { file, message } = fileError('[middleware.web.cors]\nenabled = "maybe"\norigins = [1, 2]\n');
    expect(message).toBe(
      `middleware.web.cors.enabled: "maybe" is not a boolean (true, false, 1, 0, t or f) (from ${file})`,
    );
    const second = fileError('[middleware.web.cors]\norigins = [1, 2]\n');
    expect(second.message).toBe(`middleware.web.cors.origins: [1,2] is not a list of strings (from ${file})`);
  });

  it('rejects a queue section that is not a table', () => {
    const { file, message } = fileError('worker.queues = 3\n');
    expect(message).toBe(`worker.queues: 3 is not a table of queue names to numbers (from ${file})`);
  });

  it('rejects a plain value where a section of keys belongs', () => {
    const { file, message } = fileError('datastore = "sqlite"\n');
    expect(message).toBe(`datastore: "sqlite" is not a table (from ${file})`);
  });

  it('shortens a long bad value in the message', () => {
    const message = envError({ DROVER_DATASTORE_TYPE: 'x'.repeat(100) });
    expect(message).toBe(
      `datastore.type: "${'x'.repeat(56)}... is not one of sqlite, postgres (from DROVER_DATASTORE_TYPE)`,
    );
  });

  it('lets a bad environment value fail even when the file value was good', () => {
    box.write('work/drover.toml', 'datastore.type = "postgres"\n');
    expect(envError({ DROVER_DATASTORE_TYPE: 'oracle' })).toBe(
      'datastore.type: "oracle" is not one of sqlite, postgres (from DROVER_DATASTORE_TYPE)',
    );
  });
});
