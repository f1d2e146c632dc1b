import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { SqliteDatastore } from '../../src/datastore/sqlite.js';
import { runDatastoreContract } from '../contract/datastore.contract.js';
import { makeJob, makeTask } from './contract/fixtures.js';
import { openMigrated, useTempDirs } from './helpers.js';

const temp = useTempDirs();
const MIGRATIONS = ['0001_initial', '0002_locks_and_webhooks', '0003_jobs_creation_order'];

runDatastoreContract('sqlite', () => openMigrated(temp.newDbPath()));

/** Reads a pragma through the datastore's own connection (pragmas like `synchronous` are per connection). */
class ProbedDatastore extends SqliteDatastore {
  async pragma(name: string): Promise<unknown> {
    const result = await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(this.db);
    return Object.values(result.rows[0] ?? {})[0];
  }
}

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
    child.on('exit', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`child exited ${code}: ${stderr}`)),
    );
  });
  return { ready, done };
}

function readOnly(path: string): BetterSqlite3.Database {
  return new BetterSqlite3(path, { readonly: true });
}

describe('sqlite datastore', () => {
  it('opens its file in WAL mode with synchronous NORMAL and a busy timeout', async () => {
    const path = temp.newDbPath();
    const ds = new ProbedDatastore({ path, busyTimeoutMs: 2500 });
    try {
      expect(await ds.pragma('journal_mode')).toBe('wal');
      expect(await ds.pragma('synchronous')).toBe(1);
      expect(await ds.pragma('busy_timeout')).toBe(2500);
    } finally {
      await ds.close();
    }
  });

  it('creates the missing directories of its file', async () => {
    const path = join(temp.newDbPath(), '..', 'nested', 'deeper', 'drover.db');
    const ds = await openMigrated(path);
    await ds.close();
    expect(existsSync(path)).toBe(true);
  });

  it('works on a private in-memory database', async () => {
    const ds = await openMigrated(':memory:');
    const job = makeJob();
    await ds.createJob(job);
    expect((await ds.getJob(job.id)).name).toBe(job.name);
    await ds.close();
  });

  it('migrates the same file twice, recording each migration once and seeding once', async () => {
    const path = temp.newDbPath();
    const first = await openMigrated(path);
    await first.migrate();
    await first.close();
    const second = await openMigrated(path);
    await second.close();
    const db = readOnly(path);
    expect(db.prepare('select name from kysely_migration order by name').pluck().all()).toEqual(MIGRATIONS);
    expect(db.prepare("select count(*) from users where username = 'guest'").pluck().get()).toBe(1);
    db.close();
  });

  it('keeps its data when the file is closed and opened again', async () => {
    const path = temp.newDbPath();
    const job = makeJob({ tags: ['kept'] });
    const task = makeTask(job);
    const first = await openMigrated(path);
    await first.createJob(job);
    await first.createTask(task);
    await first.close();
    const second = await openMigrated(path);
    expect(await second.getJob(job.id)).toMatchObject({ id: job.id, tags: ['kept'] });
    expect(await second.getTask(task.id!)).toEqual(task);
    expect((await second.listJobs({ page: 1, size: 10, q: 'tag:kept job' })).totalItems).toBe(1);
    await second.close();
  });

  it("lets two datastores on one file see each other's writes", async () => {
    const path = temp.newDbPath();
    const a = await openMigrated(path);
    const b = await openMigrated(path);
    const job = makeJob();
    await a.createJob(job);
    await b.updateJob(job.id, (j) => {
      j.state = 'RUNNING';
    });
    expect((await a.getJob(job.id)).state).toBe('RUNNING');
    await a.close();
    await b.close();
  });

  it('closes idempotently', async () => {
    const ds = await openMigrated(temp.newDbPath());
    await ds.close();
    await expect(ds.close()).resolves.toBeUndefined();
    await expect(ds.healthCheck()).rejects.toThrow();
  });

  it('migrates one new file from several processes at once', async () => {
    const path = temp.newDbPath();
    const child = fileURLToPath(new URL('./migrate-child.ts', import.meta.url));
    const viteNode = fileURLToPath(new URL('../../node_modules/.bin/vite-node', import.meta.url));
    const children = [1, 2, 3, 4].map(() => runChild(viteNode, [child, path]));
    await Promise.all(children.map((c) => c.ready));
    writeFileSync(`${path}.go`, '');
    const outputs = await Promise.all(children.map((c) => c.done));
    expect(outputs).toEqual([
      'ready\nmigrated\n',
      'ready\nmigrated\n',
      'ready\nmigrated\n',
      'ready\nmigrated\n',
    ]);
    const db = readOnly(path);
    expect(db.prepare('select name from kysely_migration order by name').pluck().all()).toEqual(MIGRATIONS);
    expect(db.prepare("select count(*) from users where username = 'guest'").pluck().get()).toBe(1);
    expect(db.prepare('select count(*) from jobs').pluck().get()).toBe(4);
    db.close();
  });
});
