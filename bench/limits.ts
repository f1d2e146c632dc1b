import { spawn } from 'node:child_process';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import amqp from 'amqplib';
import pg from 'pg';
import { cpuOf } from './processes.js';
import { perSecond } from './stats.js';

/**
 * The machine's own limits, measured the plainest way Node allows: what any job runner on this
 * machine could reach at best, so Drover's figures are read as ratios to them.
 */

/** Start `bash -c true` and resolve once it exited and its pipes closed. */
function spawnTrue(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', 'true'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`bash -c true exited with ${code}`))));
  });
}

export interface SpawnRound {
  sequentialPerS: number;
  concurrent2PerS: number;
  /** ms from spawn() to close, one per sequential process. */
  latenciesMs: number[];
  /** CPU per process: this (spawning) process's, and the process's own, in ms. */
  parentCpuMs: number;
  childCpuMs: number;
}

/** `count` processes one after another, then `count` with two at a time. */
export async function measureSpawn(count: number): Promise<SpawnRound> {
  const latenciesMs: number[] = [];
  const cpuBefore = cpuOf(process.pid);
  let start = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await spawnTrue();
    latenciesMs.push(performance.now() - t);
  }
  const sequentialPerS = perSecond(count, performance.now() - start);
  start = performance.now();
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next++ < count) await spawnTrue();
    }),
  );
  const concurrent2PerS = perSecond(count, performance.now() - start);
  const cpuAfter = cpuOf(process.pid);
  return {
    sequentialPerS,
    concurrent2PerS,
    latenciesMs,
    parentCpuMs: (cpuAfter.selfMs - cpuBefore.selfMs) / (2 * count),
    childCpuMs: (cpuAfter.childrenMs - cpuBefore.childrenMs) / (2 * count),
  };
}

/**
 * SQLite as Drover opens it (WAL, `synchronous = NORMAL`, or FULL when asked): `count`
 * transactions of one insert and one update each, one after another. Returns commits per second.
 */
export function measureSqliteCommits(dir: string, count: number, synchronous: 'NORMAL' | 'FULL'): number {
  const db = new BetterSqlite3(join(dir, `commit-${synchronous.toLowerCase()}.db`));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    db.exec('create table if not exists t (id integer primary key, state text not null, n integer not null)');
    const insert = db.prepare('insert into t (state, n) values (?, 0)');
    const update = db.prepare('update t set state = ?, n = n + 1 where id = ?');
    const begin = db.prepare('begin immediate');
    const commit = db.prepare('commit');
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      begin.run();
      const { lastInsertRowid } = insert.run('PENDING');
      update.run('COMPLETED', lastInsertRowid);
      commit.run();
    }
    return perSecond(count, performance.now() - start);
  } finally {
    db.close();
  }
}

/**
 * The same on PostgreSQL over one connection. The table is an ordinary one (created here, in the
 * run's own database, and dropped after): a temporary table is not written to the WAL, so its
 * commits are not flushed to disk and would not be durable.
 */
export async function measurePostgresCommits(dsn: string, count: number): Promise<number> {
  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  try {
    await client.query('create table bench_commit (id bigserial primary key, state text not null, n integer not null)');
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      await client.query('begin');
      const { rows } = await client.query<{ id: string }>({
        name: 'bench-insert',
        text: 'insert into bench_commit (state, n) values ($1, 0) returning id',
        values: ['PENDING'],
      });
      await client.query({
        name: 'bench-update',
        text: 'update bench_commit set state = $1, n = n + 1 where id = $2',
        values: ['COMPLETED', rows[0]!.id],
      });
      await client.query('commit');
    }
    return perSecond(count, performance.now() - start);
  } finally {
    await client.query('drop table if exists bench_commit').catch(() => undefined);
    await client.end();
  }
}

/**
 * ms each of `count` single-statement durable inserts takes on PostgreSQL, one after another:
 * one round trip and one flush of the WAL, the least a durable write of a job or a task costs.
 */
export async function measurePostgresStatementLatency(dsn: string, count: number): Promise<number[]> {
  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  try {
    await client.query('create table bench_statement (id bigserial primary key, state text not null)');
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      await client.query({ name: 'bench-statement', text: 'insert into bench_statement (state) values ($1)', values: ['PENDING'] });
      samples.push(performance.now() - t);
    }
    return samples;
  } finally {
    await client.query('drop table if exists bench_statement').catch(() => undefined);
    await client.end();
  }
}

/**
 * ms from publishing a message to its delivery through RabbitMQ, one message at a time: the
 * way a task goes to a worker and its outcome comes back. Persistent, to a durable queue, on a
 * confirming channel of one connection and consumed on another (as Drover does), with Nagle's
 * algorithm off. The queue is removed after.
 */
export async function measureBrokerHop(url: string, count: number): Promise<number[]> {
  const publishing = await amqp.connect(url, { noDelay: true });
  const consuming = await amqp.connect(url, { noDelay: true });
  const queue = 'bench-hop';
  try {
    const out = await publishing.createConfirmChannel();
    const inbox = await consuming.createChannel();
    await inbox.assertQueue(queue, { durable: true });
    let delivered: (() => void) | undefined;
    await inbox.consume(queue, (message) => {
      if (!message) return;
      inbox.ack(message);
      delivered?.();
    });
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      const arrived = new Promise<void>((resolve) => (delivered = resolve));
      const t = performance.now();
      out.sendToQueue(queue, Buffer.from(`{"n":${i}}`), { persistent: true });
      await arrived;
      samples.push(performance.now() - t);
    }
    await out.waitForConfirms();
    await inbox.deleteQueue(queue);
    return samples;
  } finally {
    await publishing.close().catch(() => undefined);
    await consuming.close().catch(() => undefined);
  }
}
