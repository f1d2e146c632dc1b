import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { isLoopback } from '../src/api/auth/startup-checks.js';
import { measureBrokerHop, measurePostgresCommits, measurePostgresStatementLatency } from './limits.js';
import { processesNamed, startDrover, type DroverProcess } from './processes.js';
import { ROOT } from './root.js';
import { log, measureNoopServer, measureShellServer, SIZES, type Recorder } from './sections.js';

/**
 * Distributed mode: one `drover run coordinator` and one `drover run worker` process, PostgreSQL
 * and RabbitMQ, each run in a database and a virtual host of its own (dropped at the end). The
 * servers are the CI machine's unless `DROVER_BENCH_POSTGRES_URL`, `DROVER_BENCH_RABBITMQ_URL`
 * and `DROVER_BENCH_RABBITMQ_MANAGEMENT_URL` say otherwise (the same defaults as the tests).
 */
const POSTGRES_URL =
  process.env.DROVER_BENCH_POSTGRES_URL ?? process.env.DROVER_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const RABBITMQ_URL = (
  process.env.DROVER_BENCH_RABBITMQ_URL ?? process.env.DROVER_TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
).replace(/\/+$/, '');
const MANAGEMENT_URL = (
  process.env.DROVER_BENCH_RABBITMQ_MANAGEMENT_URL ??
  process.env.DROVER_TEST_RABBITMQ_MANAGEMENT_URL ??
  'http://127.0.0.1:15672'
).replace(/\/+$/, '');

const exec = promisify(execFile);

export async function measureDistributed(
  rec: Recorder,
  scratch: string,
  concurrency: string,
  limitRound: () => Promise<void>,
): Promise<void> {
  const id = randomUUID().replaceAll('-', '').slice(0, 12);
  const dir = join(scratch, 'distributed');
  mkdirSync(dir);
  const database = await createDatabase(`drover_bench_${id}`);
  const vhost = await createVhost(`drover-bench-${id}`);
  const processes: DroverProcess[] = [];
  try {
    for (let r = 0; r < 3; r++) rec.add('commit.postgres_per_s', 'tx/s', await measurePostgresCommits(database.url, 1000));
    rec.add('commit.postgres_statement_ms', 'ms', ...(await measurePostgresStatementLatency(database.url, 300)));
    rec.add('broker.hop_ms', 'ms', ...(await measureBrokerHop(vhost.url, 300)));
    const env = {
      DROVER_DATASTORE_TYPE: 'postgres',
      DROVER_DATASTORE_POSTGRES_DSN: database.url,
      DROVER_BROKER_TYPE: 'rabbitmq',
      DROVER_BROKER_RABBITMQ_URL: vhost.url,
      DROVER_BROKER_RABBITMQ_MANAGEMENT_URL: MANAGEMENT_URL,
      DROVER_WORKER_QUEUES_DEFAULT: concurrency,
    };
    await migrate(env, dir);
    const coordinator = await startDrover('coordinator', env, dir);
    processes.push(coordinator);
    const worker = await startDrover('worker', env, dir);
    processes.push(worker);
    log(`distributed: coordinator on ${coordinator.url}, worker pid ${worker.pid}`);
    await measureShellServer(rec, 'distributed', coordinator.url, coordinator.pid, limitRound);
    await worker.stop();
    const noop = await startDrover('worker', env, dir, 30_000, join(ROOT, 'dist', 'bench', 'bench', 'noop-worker.js'));
    processes.push(noop);
    await measureNoopServer(rec, 'distributed', coordinator.url, coordinator.pid, SIZES, () => ({
      worker: [noop.pid],
      // The servers' CPU, when they run on this machine (as in CI): all their processes, which
      // serve this run alone while it measures.
      ...(onThisMachine(RABBITMQ_URL) ? { rabbitmq: processesNamed(/^(beam\.smp|erl_child_setup|inet_gethost|epmd)$/) } : {}),
      ...(onThisMachine(POSTGRES_URL) ? { postgres: processesNamed(/^postgres$/) } : {}),
    }));
  } finally {
    for (const p of processes.reverse()) await p.stop();
    await vhost.remove().catch((err: unknown) => log(`could not remove RabbitMQ vhost: ${String(err)}`));
    await database.drop().catch((err: unknown) => log(`could not drop database: ${String(err)}`));
  }
}

/** `drover migration`: PostgreSQL's schema is created by the command, not at start-up. */
async function migrate(env: Record<string, string>, cwd: string): Promise<void> {
  await exec(process.execPath, [join(ROOT, 'bin', 'drover.js'), 'migration'], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DROVER_LOGGING_FORMAT: 'json', ...env },
    timeout: 60_000,
  });
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${POSTGRES_URL} (set DROVER_BENCH_POSTGRES_URL)`, { cause: err });
  }
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function createDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  await admin(`create database "${name}"`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists "${name}" with (force)`) };
}

async function management(method: string, path: string, body?: unknown): Promise<void> {
  const url = new URL(RABBITMQ_URL);
  const auth = Buffer.from(`${decodeURIComponent(url.username || 'guest')}:${decodeURIComponent(url.password || 'guest')}`);
  let res: Response;
  try {
    res = await fetch(MANAGEMENT_URL + path, {
      method,
      headers: { authorization: `Basic ${auth.toString('base64')}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new Error(`RabbitMQ's management API is not reachable at ${MANAGEMENT_URL} (set DROVER_BENCH_RABBITMQ_MANAGEMENT_URL)`, {
      cause: err,
    });
  }
  if (!res.ok && res.status !== 404) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
}

/** A virtual host of its own, so the run's queues never meet anyone else's. */
async function createVhost(name: string): Promise<{ url: string; remove(): Promise<void> }> {
  const vhost = encodeURIComponent(name);
  await management('PUT', `/api/vhosts/${vhost}`, {});
  const user = decodeURIComponent(new URL(RABBITMQ_URL).username || 'guest');
  await management('PUT', `/api/permissions/${vhost}/${encodeURIComponent(user)}`, { configure: '.*', write: '.*', read: '.*' });
  return { url: `${RABBITMQ_URL}/${vhost}`, remove: () => management('DELETE', `/api/vhosts/${vhost}`) };
}

/** Whether the server at `url` runs on this machine (a URL writes an IPv6 host in brackets). */
function onThisMachine(url: string): boolean {
  return isLoopback(new URL(url).hostname.replace(/^\[(.*)\]$/, '$1'));
}
