import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/defaults.js';
import { loadConfig } from '../../src/config/load.js';
import { KEYS } from '../../src/config/schema.js';
import { createSandbox, type Sandbox } from './helpers.js';

const SAMPLE = resolve(import.meta.dirname, '../../configs/sample.toml');

describe('defaults', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = createSandbox();
  });
  afterEach(() => box.remove());

  it('uses Drover defaults when there is no file and no variable', () => {
    const { config, warnings, file } = loadConfig({
      env: {},
      cwd: box.cwd,
      homedir: box.home,
      stderrIsTTY: false,
    });
    expect(file).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(config.logging).toEqual({ level: 'info', format: 'json' });
    expect(config.endpoint).toBe('http://127.0.0.1:8000');
    expect(config.broker.type).toBe('inmemory');
    expect(config.datastore.type).toBe('sqlite');
    expect(config.datastore.sqlite.path).toBe(join(box.cwd, '.drover', 'drover.db'));
    expect(config.coordinator.address).toBe('127.0.0.1:8000');
    expect(config.runtime.type).toBe('auto');
    expect(config.middleware.job.redact.enabled).toBe(true);
    expect(config.middleware.web.bodylimit).toBe(500_000);
    expect(config.worker.queues).toEqual({ default: availableParallelism() });
    expect(config.ui.enabled).toBe(true);
    expect(config.datastore.retention).toEqual({ logsMs: 168 * 3_600_000, jobsMs: 8760 * 3_600_000 });
    expect(config.broker.rabbitmq.consumerTimeoutMs).toBe(30 * 60_000);
  });

  it('logs in pretty format when stderr is a terminal', () => {
    const { config } = loadConfig({ env: {}, cwd: box.cwd, homedir: box.home, stderrIsTTY: true });
    expect(config.logging.format).toBe('pretty');
  });

  it('gives the worker one slot per CPU on the default queue', () => {
    const { config } = loadConfig({ env: {}, cwd: box.cwd, homedir: box.home, cpus: 3 });
    expect(config.worker.queues).toEqual({ default: 3 });
  });

  it('lets the locker and its DSN follow the datastore unless set', () => {
    const env = { DROVER_DATASTORE_TYPE: 'postgres', DROVER_DATASTORE_POSTGRES_DSN: 'postgres://a@db/x' };
    const { config } = loadConfig({ env, cwd: box.cwd, homedir: box.home });
    expect(config.locker).toEqual({ type: 'postgres', postgres: { dsn: 'postgres://a@db/x' } });
  });

  it('derives the RabbitMQ management URL from the broker host unless set', () => {
    const env = { DROVER_BROKER_RABBITMQ_URL: 'amqp://u:p@rabbit.internal:5672/' };
    const { config } = loadConfig({ env, cwd: box.cwd, homedir: box.home });
    expect(config.broker.rabbitmq.managementUrl).toBe('http://rabbit.internal:15672');
  });

  it('keeps a sample config that loads to exactly the defaults without warnings', () => {
    const host = { cpus: 2, stderrIsTTY: false };
    const sample = loadConfig({ env: { DROVER_CONFIG: SAMPLE }, cwd: box.cwd, homedir: box.home, ...host });
    const none = loadConfig({ env: {}, cwd: box.cwd, homedir: box.home, ...host });
    expect(sample.warnings).toEqual([]);
    expect(sample.config).toEqual(none.config);
  });

  it('documents every known key in the sample config', () => {
    const written = keysWrittenIn(readFileSync(SAMPLE, 'utf8'));
    const missing = KEYS.filter((spec) =>
      spec.kind === 'leaf' ? !written.has(spec.key) : ![...written].some((k) => k.startsWith(`${spec.key}.`)),
    );
    expect(missing.map((spec) => spec.key)).toEqual([]);
  });

  it('returns a fresh mutable object from defaultConfig each time', () => {
    const a = defaultConfig({ cpus: 1 });
    a.worker.queues.default = 9;
    expect(defaultConfig({ cpus: 1 }).worker.queues).toEqual({ default: 1 });
  });
});

/** Every dotted key assigned in a TOML text, commented-out assignments included. */
function keysWrittenIn(text: string): Set<string> {
  const keys = new Set<string>();
  let table = '';
  for (const line of text.split('\n')) {
    const header = /^\[([a-z_.]+)\]/.exec(line);
    if (header) table = header[1]!;
    const assignment = /^#?\s*([a-z_.]+)\s*=/.exec(line);
    if (assignment) keys.add(table ? `${table}.${assignment[1]}` : assignment[1]!);
  }
  return keys;
}
