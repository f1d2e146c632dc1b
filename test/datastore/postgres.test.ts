import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresDatastore } from '../../src/datastore/postgres.js';
import { UnavailableError } from '../../src/errors.js';
import type { Job } from '../../src/model/job.js';
import { runDatastoreContract } from '../contract/datastore.contract.js';
import { adminQuery, dropSchemas, newSchemaName, POSTGRES_URL } from '../helpers/postgres.js';
import { makeJob, makeTask } from './contract/fixtures.js';

const MIGRATIONS = ['0001_initial', '0002_locks_and_webhooks', '0003_jobs_creation_order'];
const schemas: string[] = [];

function open(
  schema = newSchemaName(),
  extra: { applicationName?: string; dsn?: string; encryptionKey?: string } = {},
): PostgresDatastore {
  schemas.push(schema);
  return new PostgresDatastore({ dsn: extra.dsn ?? POSTGRES_URL, schema, maxConnections: 5, ...extra });
}

async function openMigrated(): Promise<PostgresDatastore> {
  const ds = open();
  await ds.migrate();
  return ds;
}

// Migrating costs a few hundred milliseconds of DDL: the next tests' schemas are prepared while
// the current test runs, so every test still gets a fresh one.
const AHEAD = 3;
const prepared: Array<Promise<PostgresDatastore>> = [];
function freshDatastore(): Promise<PostgresDatastore> {
  while (prepared.length < AHEAD + 1) {
    const next = openMigrated();
    next.catch(() => undefined);
    prepared.push(next);
  }
  return prepared.shift()!;
}

afterAll(async () => {
  for (const next of prepared.splice(0)) await (await next.catch(() => undefined))?.close();
  await dropSchemas(schemas);
});

runDatastoreContract('postgres', freshDatastore);

/** A child process; `ready` settles on its first output, `done` with its whole stdout when it exits 0. */
function runChild(command: string, args: string[]): { ready: Promise<void>; done: Promise<string> } {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const ready = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`child exited ${code}: ${stderr}`))));
  });
  return { ready, done };
}

/**
 * A transaction that runs until `release()`: the transactions asked for meanwhile join it, after
 * it, and share its commit.
 */
async function holdTransaction(
  ds: PostgresDatastore,
  key?: string,
  onRelease?: () => void,
): Promise<{ blocker: Promise<void>; release: () => void }> {
  let release!: () => void;
  let started!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const running = new Promise<void>((resolve) => (started = resolve));
  const blocker = ds.transaction(
    async () => {
      started();
      await gate;
      onRelease?.();
    },
    { key },
  );
  await running;
  return { blocker, release };
}

describe('postgres datastore', () => {
  it('lists every migration as pending on an empty schema and none once migrated twice', async () => {
    const ds = open();
    try {
      expect(await ds.pendingMigrations()).toEqual(MIGRATIONS);
      await ds.migrate();
      await ds.migrate();
      expect(await ds.pendingMigrations()).toEqual([]);
      const schema = schemas.at(-1)!;
      const applied = await adminQuery<{ name: string }>(`select name from "${schema}".kysely_migration order by name`);
      expect(applied.map((r) => r.name)).toEqual(MIGRATIONS);
      const guests = await adminQuery<{ n: string }>(`select count(*) as n from "${schema}".users where username = 'guest'`);
      expect(guests[0]!.n).toBe('1');
    } finally {
      await ds.close();
    }
  });

  it('migrates one new schema from several processes at once', async () => {
    const schema = newSchemaName();
    schemas.push(schema);
    const dir = mkdtempSync(join(tmpdir(), 'drover-pg-'));
    const signal = join(dir, 'go');
    const child = fileURLToPath(new URL('./postgres-migrate-child.ts', import.meta.url));
    const viteNode = fileURLToPath(new URL('../../node_modules/.bin/vite-node', import.meta.url));
    try {
      const children = [1, 2, 3].map(() => runChild(viteNode, [child, POSTGRES_URL, schema, signal]));
      await Promise.all(children.map((c) => c.ready));
      writeFileSync(signal, '');
      expect(await Promise.all(children.map((c) => c.done))).toEqual(Array(3).fill('ready\nmigrated\n'));
      const applied = await adminQuery<{ name: string }>(`select name from "${schema}".kysely_migration order by name`);
      expect(applied.map((r) => r.name)).toEqual(MIGRATIONS);
      const jobs = await adminQuery<{ n: string }>(`select count(*) as n from "${schema}".jobs`);
      expect(jobs[0]!.n).toBe('3');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('migrates while other clients create and drop schemas of the same database', async () => {
    let stop = false;
    const churn = (async () => {
      while (!stop) {
        const other = newSchemaName();
        await adminQuery(`create schema "${other}"`);
        await adminQuery(`drop schema "${other}"`);
      }
    })();
    try {
      // Without retrying, about half of such migrations failed here: the schema scan met a dropped schema.
      for (let i = 0; i < 5; i++) {
        const ds = open();
        try {
          await expect(ds.migrate()).resolves.toBeUndefined();
        } finally {
          await ds.close();
        }
      }
    } finally {
      stop = true;
      await churn;
    }
  });

  it('accepts a DSN written as libpq key=value pairs', async () => {
    const url = new URL(POSTGRES_URL);
    const dsn = `host=${url.hostname} port=${url.port || 5432} user=${decodeURIComponent(url.username)} dbname=${url.pathname.slice(1)} sslmode=disable`;
    const ds = open(newSchemaName(), { dsn });
    try {
      await ds.migrate();
      await expect(ds.healthCheck()).resolves.toBeUndefined();
    } finally {
      await ds.close();
    }
  });

  it('reports a dropped connection as unavailable, then carries on with a new one', async () => {
    const applicationName = `drover-test-${process.pid}-${Date.now()}`;
    const ds = open(newSchemaName(), { applicationName });
    try {
      await ds.migrate();
      const job = makeJob();
      await ds.createJob(job);
      const error = await ds
        .transaction(async (tx) => {
          await tx.findJob(job.id);
          await adminQuery('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [
            applicationName,
          ]);
          await tx.findJob(job.id);
        })
        .catch((err: unknown) => err);
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as Error).message).toMatch(/^postgres: /);
      expect((await ds.getJob(job.id)).id).toBe(job.id);
    } finally {
      await ds.close();
    }
  });

  it('orders the locks of two coordinators changing a task and its job in either order, so neither deadlocks', async () => {
    // Two datastores (two pools) are two coordinators: their transactions really run at once.
    const schema = newSchemaName();
    const a = open(schema);
    await a.migrate();
    const b = open(schema);
    try {
      const job = makeJob({ state: 'RUNNING', progress: 0 });
      const task = makeTask(job, { state: 'RUNNING', progress: 0 });
      await a.createJob(job);
      await a.createTask(task);
      const pause = () => new Promise((resolve) => setTimeout(resolve, 2));
      const taskThenJob = () =>
        a.transaction(async (tx) => {
          await tx.updateTask(task.id!, (t) => void (t.progress = (t.progress ?? 0) + 1));
          await pause();
          await tx.updateJob(job.id, (j) => void (j.progress = (j.progress ?? 0) + 1));
        });
      const jobThenTask = () =>
        b.transaction(async (tx) => {
          await tx.updateJob(job.id, (j) => void (j.progress = (j.progress ?? 0) + 1));
          await pause();
          await tx.updateTask(task.id!, (t) => void (t.progress = (t.progress ?? 0) + 1));
        });
      // Each datastore runs one transaction at a time: 10 rounds of one against the other.
      for (let round = 0; round < 10; round++) await Promise.all([taskThenJob(), jobThenTask()]);
      expect((await a.getJob(job.id)).progress).toBe(20);
      expect((await b.getTask(task.id!)).progress).toBe(20);
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('opens the sealed secrets of a job read beside its task under lock', async () => {
    const schema = newSchemaName();
    const ds = open(schema, { encryptionKey: 'correct horse battery staple' });
    try {
      await ds.migrate();
      const job = makeJob({ state: 'SCHEDULED', secrets: { token: 's3cret' } });
      const task = makeTask(job, { state: 'SCHEDULED' });
      await ds.createJob(job);
      await ds.createTask(task);
      let seen: Job['secrets'];
      await ds.transaction(async (tx) => {
        await tx.updateTask(task.id!, (t) => void (t.state = 'RUNNING'));
        await tx.updateJob(job.id, (j) => {
          seen = j.secrets;
          j.state = 'RUNNING';
        });
      });
      expect(seen).toEqual({ token: 's3cret' });
      expect(await ds.getJob(job.id)).toMatchObject({ state: 'RUNNING', secrets: { token: 's3cret' } });
      const [stored] = await adminQuery(`select secrets from "${schema}".jobs where id = $1`, [job.id]);
      expect(JSON.stringify(stored)).not.toContain('s3cret');
    } finally {
      await ds.close();
    }
  });

  it('fails only the transaction body whose deferred write fails, in a commit shared with others', async () => {
    const ds = await openMigrated();
    try {
      const job = makeJob({ state: 'RUNNING' });
      const existing = makeTask(job, { state: 'RUNNING' });
      await ds.createJob(job);
      await ds.createTask(existing);
      const { blocker, release } = await holdTransaction(ds);
      // Each body's writes are kept until its end; the middle one inserts a task id that exists.
      const before = makeTask(job, { state: 'CREATED' });
      const after = makeTask(job, { state: 'CREATED' });
      const attempts = [
        ds.transaction(async (tx) => {
          await tx.updateTask(existing.id!, (t) => void (t.progress = 10));
          await tx.createTask(before);
        }),
        ds.transaction((tx) => tx.createTask({ ...makeTask(job), id: existing.id })),
        ds.transaction((tx) => tx.createTask(after)),
      ];
      release();
      const outcomes = await Promise.allSettled([blocker, ...attempts]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect(String((outcomes[2] as PromiseRejectedResult).reason)).toMatch(/duplicate key/);
      expect((await ds.getTask(existing.id!)).progress).toBe(10);
      expect(await ds.findTask(before.id!)).toBeDefined();
      expect(await ds.findTask(after.id!)).toBeDefined();
    } finally {
      await ds.close();
    }
  });

  it('runs the transactions of other keys while one key waits, and those of the waiting key after it', async () => {
    const ds = await openMigrated();
    try {
      const order: string[] = [];
      const { blocker, release } = await holdTransaction(ds, 'job-0', () => order.push('blocker'));
      const sameKey = ds.transaction(async () => void order.push('same key'), { key: 'job-0' });
      // Keys spread over the lanes: some of these eight are in another lane than job-0's.
      const others = Array.from({ length: 8 }, (_, i) =>
        ds.transaction(async (tx) => {
          await tx.findJob('none');
          order.push('other key');
        }, { key: `job-${i + 1}` }),
      );
      await Promise.race(others);
      expect(order).toContain('other key');
      expect(order).not.toContain('same key');
      release();
      await Promise.all([blocker, sameKey, ...others]);
      expect(order.indexOf('same key')).toBeGreaterThan(order.indexOf('blocker'));
    } finally {
      await ds.close();
    }
  });

  it('rejects every transaction that shared a commit which failed, and keeps none of their writes', async () => {
    const ds = await openMigrated();
    try {
      // A constraint checked only at commit: the one fault that fails a commit on demand.
      await adminQuery(
        `alter table "${schemas.at(-1)!}".job_tags add constraint job_tags_once unique (tag) deferrable initially deferred`,
      );
      const { blocker, release } = await holdTransaction(ds);
      // Asked for while the blocker runs, these three join its transaction and share its commit.
      const jobs = [makeJob({ tags: ['same'] }), makeJob({ tags: ['same'] }), makeJob({ tags: ['other'] })];
      const attempts = jobs.map((job) => ds.transaction((tx) => tx.createJob(job)));
      release();
      const outcomes = await Promise.allSettled([blocker, ...attempts]);
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
      expect(String((outcomes[3] as PromiseRejectedResult).reason)).toMatch(/job_tags_once/);
      for (const job of jobs) expect(await ds.findJob(job.id)).toBeUndefined();
      // The next transaction starts afresh.
      const after = makeJob({ tags: ['same'] });
      await ds.transaction((tx) => tx.createJob(after));
      expect(await ds.findJob(after.id)).toBeDefined();
    } finally {
      await ds.close();
    }
  });

  it('rejects a schema name that is not a plain identifier', () => {
    expect(() => new PostgresDatastore({ dsn: POSTGRES_URL, schema: 'a;drop' })).toThrow(
      'PostgresDatastore: schema "a;drop" must be letters, digits and _',
    );
    expect(() => new PostgresDatastore({} as never)).toThrow('PostgresDatastore: option `dsn` is required');
  });
});
