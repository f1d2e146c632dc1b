import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteDatastore } from '../../src/datastore/sqlite.js';
import { ImmediateSqliteDialect } from '../../src/datastore/sqlite-dialect.js';
import { SQLITE_CAPABILITIES } from '../../src/datastore/sqlite.js';
import { migrationProvider } from '../../src/datastore/sql/migrations.js';
import { at, createJobs } from './contract/fixtures.js';
import { openMigrated, useTempDirs } from './helpers.js';

const temp = useTempDirs();

/**
 * The creation-order slack that lets a search page come from the newest matches of the text index
 * (`newestJobMatches`): how the triggers and the migration keep it, and that pages read through it
 * are the pages the general query reads.
 */
describe('sqlite creation order of jobs', () => {
  let path: string;
  let ds: SqliteDatastore;
  let raw: BetterSqlite3.Database;

  beforeEach(async () => {
    path = temp.newDbPath();
    ds = await openMigrated(path);
    raw = new BetterSqlite3(path);
  });

  afterEach(async () => {
    raw.close();
    await ds.close();
  });

  const slack = () => (raw.prepare('select slack from jobs_creation_order').get() as { slack: number | null }).slack;

  /** Store a job row straight into the table (the triggers still run), at `seq` when given. */
  function storeRow(createdAt: number, seq?: number, name = 'stored row'): void {
    raw
      .prepare(
        `insert into jobs (seq, id, name, state, created_at, position, task_count, details)
         values (?, ?, ?, 'COMPLETED', ?, 0, 1, '{}')`,
      )
      .run(seq ?? null, `row-${createdAt}-${seq ?? 'next'}-${Math.random()}`, name, createdAt);
  }

  it('stays 0 while jobs are created in the order they are stored', async () => {
    await createJobs(ds, 5);
    await createJobs(ds, 2, () => ({ createdAt: at(4 * 60_000) })); // equal times keep the order
    expect(slack()).toBe(0);
  });

  it('grows to the furthest a new job falls behind the newest before it', async () => {
    await createJobs(ds, 5); // minutes 0 to 4
    storeRow(at(3 * 60_000).getTime());
    expect(slack()).toBe(60_000);
    storeRow(at(4 * 60_000 - 500).getTime());
    expect(slack()).toBe(60_000);
    storeRow(at(0).getTime());
    expect(slack()).toBe(4 * 60_000);
  });

  it('stays 0 for a row stored between others within their times, and becomes unknown otherwise', async () => {
    storeRow(1000, 10);
    storeRow(3000, 20);
    storeRow(2000, 15);
    storeRow(500, 5);
    storeRow(4000, 30);
    expect(slack()).toBe(0);
    storeRow(3500, 12);
    expect(slack()).toBeNull();
    storeRow(9000); // an append no longer changes an unknown slack
    expect(slack()).toBeNull();
  });

  it('becomes unknown when a stored creation time or seq is changed', () => {
    storeRow(1000, 1);
    storeRow(2000, 2);
    raw.prepare('update jobs set name = ? where seq = 1').run('renamed');
    expect(slack()).toBe(0);
    raw.prepare('update jobs set created_at = 1500 where seq = 1').run();
    expect(slack()).toBeNull();
    raw.prepare('update jobs_creation_order set slack = 0').run();
    raw.prepare('update jobs set seq = 3 where seq = 1').run();
    expect(slack()).toBeNull();
  });

  it('reads the same pages through the newest matches as through the general query', async () => {
    // Creation times that step back now and then, as a clock does, with ties.
    let time = 1_000_000;
    for (let i = 0; i < 400; i++) {
      time += i % 37 === 0 ? -20_000 : i % 5 === 0 ? 0 : 1000;
      storeRow(time, undefined, i % 3 === 0 ? `nightly reconcile ${i}` : `hourly report ${i}`);
    }
    expect(slack()).toBeGreaterThan(0);
    const pages = async () => {
      const seen: unknown[] = [];
      for (const [page, size] of [[1, 10], [2, 10], [7, 10], [1, 50], [3, 50], [1, 200], [14, 10]] as const) {
        const result = await ds.listJobs({ page, size, q: 'reconcile' });
        seen.push(result.totalItems, result.items.map((job) => job.name));
      }
      return seen;
    };
    const throughNewest = await pages();
    expect(throughNewest[0]).toBe(134);
    raw.prepare('update jobs_creation_order set slack = null').run();
    expect(await pages()).toEqual(throughNewest);
  });

  it("pages the UI's job list through the text index as through the general query", async () => {
    let time = 1_000_000;
    for (let i = 0; i < 300; i++) {
      time += i % 4 === 0 ? 0 : 1000; // ties too
      storeRow(time, undefined, i % 3 === 0 ? `nightly reconcile ${i}` : `hourly report ${i}`);
    }
    expect(slack()).toBe(0);
    const walk = async () => {
      const names: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await ds.listJobSummaries({ q: 'reconcile', limit: 7, ...(cursor ? { cursor } : {}) });
        names.push(...page.items.map((job) => job.name!));
        cursor = page.next;
      } while (cursor);
      return names;
    };
    const throughIndex = await walk();
    expect(throughIndex).toHaveLength(100);
    expect(throughIndex[0]).toBe('nightly reconcile 297');
    raw.prepare('update jobs_creation_order set slack = null').run();
    expect(await walk()).toEqual(throughIndex);
  });

  it('computes the slack of the jobs stored before the migration that keeps it', async () => {
    const oldPath = temp.newDbPath();
    const db = new Kysely<unknown>({ dialect: new ImmediateSqliteDialect({ database: new BetterSqlite3(oldPath) }) });
    const migrator = new Migrator({ db, provider: migrationProvider(SQLITE_CAPABILITIES) });
    const before = await migrator.migrateTo('0002_locks_and_webhooks');
    expect(before.error).toBeUndefined();
    await db.destroy();
    const writer = new BetterSqlite3(oldPath);
    const insert = writer.prepare(
      `insert into jobs (id, name, state, created_at, position, task_count, details)
       values (?, 'old', 'COMPLETED', ?, 0, 1, '{}')`,
    );
    for (const [i, createdAt] of [5000, 9000, 7000, 9500, 2500, 9600].entries()) insert.run(`old-${i}`, createdAt);
    writer.close();

    const migrated = await openMigrated(oldPath);
    await migrated.close();
    const reader = new BetterSqlite3(oldPath, { readonly: true });
    try {
      // 2500 was stored after 9500: 7000 behind.
      expect(reader.prepare('select slack from jobs_creation_order').get()).toEqual({ slack: 7000 });
    } finally {
      reader.close();
    }
  });
});
