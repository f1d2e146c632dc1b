/**
 * A distributed Drover for tests: coordinators and workers as separate OS processes
 * (`bin/drover.js run coordinator|worker`) on a RabbitMQ virtual host and a PostgreSQL database
 * of their own. Heartbeats every 500 ms and a 3 s lease keep crash recovery quick.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../src/async.js';
import { createDatabase, dropDatabase, queryDatabase } from '../helpers/postgres.js';
import { createVhost, type TestVhost } from '../helpers/rabbitmq.js';

const BIN = fileURLToPath(new URL('../../bin/drover.js', import.meta.url));

export interface DroverProcess {
  mode: 'coordinator' | 'worker';
  child: ChildProcess;
  /** Coordinators: the API. Workers: the health endpoint. */
  url: string;
  /** Workers: the node id (the coordinator's is not needed). */
  nodeId?: string;
  logs(): string;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
}

export interface Cluster {
  vhost: TestVhost;
  database: { name: string; url: string };
  dir: string;
  env: Record<string, string>;
  processes: DroverProcess[];
  /** Run a `drover` command to completion. */
  run(args: string[], extraEnv?: Record<string, string>): Promise<{ code: number | null; output: string }>;
  start(mode: 'coordinator' | 'worker', extraEnv?: Record<string, string>): Promise<DroverProcess>;
  sql<R extends Record<string, unknown> = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
  destroy(): Promise<void>;
}

export async function createCluster(): Promise<Cluster> {
  const vhost = await createVhost();
  const database = await createDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'drover-cluster-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    DROVER_BROKER_TYPE: 'rabbitmq',
    DROVER_BROKER_RABBITMQ_URL: vhost.url,
    DROVER_DATASTORE_TYPE: 'postgres',
    DROVER_DATASTORE_POSTGRES_DSN: database.url,
    DROVER_DATASTORE_POSTGRES_MAX_OPEN_CONNS: '8',
    DROVER_LOGGING_FORMAT: 'json',
    DROVER_LOGGING_LEVEL: 'info',
    DROVER_CLI_BANNER_MODE: 'off',
    DROVER_COORDINATOR_ADDRESS: '127.0.0.1:0',
    DROVER_WORKER_ADDRESS: '127.0.0.1:0',
    DROVER_COORDINATOR_HEARTBEAT_INTERVAL: '500ms',
    DROVER_WORKER_HEARTBEAT_INTERVAL: '500ms',
    DROVER_COORDINATOR_LIVENESS_TIMEOUT: '3s',
    DROVER_UI_ENABLED: 'false',
  };
  const processes: DroverProcess[] = [];

  const cluster: Cluster = {
    vhost,
    database,
    dir,
    env,
    processes,
    run: (args, extraEnv = {}) =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...env, ...extraEnv } });
        let output = '';
        child.stdout.on('data', (c: Buffer) => (output += c.toString()));
        child.stderr.on('data', (c: Buffer) => (output += c.toString()));
        child.on('error', reject);
        child.on('exit', (code) => resolve({ code, output }));
      }),
    start: async (mode, extraEnv = {}) => {
      const started = await startProcess(mode, dir, { ...env, ...extraEnv });
      processes.push(started);
      return started;
    },
    sql: (text, values = []) => queryDatabase(database.url, text, values) as never,
    destroy: async () => {
      await Promise.all(processes.map((p) => p.kill()));
      // DROVER_TEST_CLUSTER_LOGS=<dir> keeps every process's log for a post-mortem.
      const keep = process.env.DROVER_TEST_CLUSTER_LOGS;
      if (keep) {
        mkdirSync(keep, { recursive: true });
        processes.forEach((p, i) => writeFileSync(join(keep, `${i}-${p.mode}.log`), p.logs()));
      }
      await vhost.remove().catch(() => undefined);
      await dropDatabase(database.name).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

async function startProcess(mode: 'coordinator' | 'worker', cwd: string, env: Record<string, string>): Promise<DroverProcess> {
  const child = spawn(process.execPath, [BIN, 'run', mode], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = () =>
    output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const ready = mode === 'coordinator' ? 'drover listening' : 'worker started';
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`drover ${mode} exited with ${child.exitCode}: ${output}`);
      return lines().some((l) => l.msg === ready);
    },
    { timeoutMs: 20_000, message: `the ${mode} to start` },
  ).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`${String(err)}\n${output}`);
  });
  const all = lines();
  const url = String(all.find((l) => l.msg === 'drover listening' || l.msg === 'worker health endpoint listening')?.url);
  const nodeId = all.find((l) => l.msg === 'worker started')?.nodeId as string | undefined;
  return {
    mode,
    child,
    url,
    nodeId,
    logs: () => output,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Jobs per state, straight from the database. */
export async function jobStates(cluster: Cluster): Promise<Record<string, number>> {
  const rows = await cluster.sql<{ state: string; n: string }>('select state, count(*) as n from jobs group by state');
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

/** POST a job (JSON) to a coordinator; returns its id. */
export async function submit(url: string, job: unknown): Promise<string> {
  const res = await fetch(`${url}/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(job),
  });
  const body = (await res.json()) as { id?: string; message?: string };
  if (res.status !== 200 || !body.id) throw new Error(`submit: ${res.status} ${JSON.stringify(body)}`);
  return body.id;
}
