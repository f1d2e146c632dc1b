import BetterSqlite3 from 'better-sqlite3';
import { Kysely, type CompiledQuery } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqlDatastore } from '../../src/datastore/sql/sql-datastore.js';
import type { Database } from '../../src/datastore/sql/tables.js';
import { ImmediateSqliteDialect, withStatementCache } from '../../src/datastore/sqlite-dialect.js';
import { SQLITE_CAPABILITIES } from '../../src/datastore/sqlite.js';
import { at, createJobs, makeJob, makeTask } from './contract/fixtures.js';
import { useTempDirs } from './helpers.js';

const temp = useTempDirs();

/**
 * Which indexes the queries use (untimed: speed is the benchmark's business). A datastore built on
 * a Kysely instance that records every compiled query; each one is then explained on a second
 * connection to the same file.
 */
describe('sqlite query plans', () => {
  let path: string;
  let queries: CompiledQuery[];
  let ds: SqlDatastore;

  beforeEach(async () => {
    path = temp.newDbPath();
    queries = [];
    const database = new BetterSqlite3(path);
    database.pragma('journal_mode = WAL');
    const db = new Kysely<Database>({
      dialect: new ImmediateSqliteDialect({ database: withStatementCache(database) }),
      log: (event) => {
        if (event.level === 'query') queries.push(event.query);
      },
    });
    ds = new SqlDatastore({ db, capabilities: SQLITE_CAPABILITIES });
    await ds.migrate();
    await createJobs(ds, 50, (i) => ({ tags: [`t${i % 5}`], state: i % 2 ? 'RUNNING' : 'COMPLETED' }));
  });

  afterEach(async () => {
    await ds.close();
  });

  /** The plan lines of every query recorded while `fn` ran, skipping transaction statements. */
  async function plansOf(fn: () => Promise<unknown>): Promise<string[][]> {
    queries = [];
    await fn();
    const reader = new BetterSqlite3(path, { readonly: true });
    try {
      return queries
        .filter((q) => /^\s*(select|update|delete)/i.test(q.sql))
        .map((q) => {
          const rows = reader.prepare(`explain query plan ${q.sql}`).all(...q.parameters) as {
            detail: string;
          }[];
          return rows.map((row) => row.detail);
        });
    } finally {
      reader.close();
    }
  }

  /**
   * `count` jobs named `nightly reconcile <i>` with ids `<prefix><i>`, created at `since + i` ms,
   * written straight into the file (the triggers index them), then `then` if given.
   */
  function storeMatchingJobs(prefix: string, count: number, since: number, then?: string): void {
    const writer = new BetterSqlite3(path);
    try {
      writer
        .prepare(
          `with recursive n(i) as (select 1 union all select i + 1 from n where i < ?)
           insert into jobs (id, name, state, created_at, position, task_count, details)
           select ? || i, 'nightly reconcile ' || i, 'COMPLETED', ? + i, 0, 1, '{}' from n`,
        )
        .run(count, prefix, since);
      if (then) writer.prepare(then).run();
    } finally {
      writer.close();
    }
  }

  /** A full scan of a table, as opposed to a scan of one of its indexes. */
  const FULL_SCAN = /^SCAN (jobs|tasks|tasks_log_parts|nodes|job_tags|jobs_perms)( AS \w+)?$/;

  it('lists jobs by walking the created_at index, without sorting or scanning the table', async () => {
    const plans = await plansOf(() => ds.listJobs({ page: 2, size: 10 }));
    const page = plans.at(-1)!;
    expect(page).toContain('SCAN jobs USING INDEX jobs_created_at_idx');
    expect(page.join('\n')).not.toMatch(/TEMP B-TREE/);
    for (const plan of plans) expect(plan.filter((line) => FULL_SCAN.test(line))).toEqual([]);
  });

  it('searches jobs by tag, text and permissions without a full scan of jobs', async () => {
    const plans = await plansOf(() =>
      ds.listJobs({ page: 1, size: 10, q: 'job running tag:t1', username: 'guest' }),
    );
    expect(plans.join('\n')).toMatch(/jobs_fts VIRTUAL TABLE/);
    expect(plans.join('\n')).toMatch(/job_tags_tag_idx/);
    for (const plan of plans) expect(plan.filter((line) => FULL_SCAN.test(line))).toEqual([]);
  });

  it('runs the per-task queries of the engine through indexes', async () => {
    const job = makeJob({ state: 'RUNNING' });
    await ds.createJob(job);
    const parent = makeTask(job, { createdAt: at(0) });
    const child = makeTask(job, { parentId: parent.id, createdAt: at(1) });
    await ds.createTasks([parent, child]);
    await ds.createLogParts([{ taskId: child.id!, number: 1, contents: 'hello world' }]);
    const plans = await plansOf(async () => {
      await ds.getJob(job.id);
      await ds.updateJob(job.id, (j) => void (j.position = 1));
      await ds.updateTask(child.id!, (t) => void (t.state = 'RUNNING'));
      await ds.getExecution(job.id);
      await ds.getActiveTasks(job.id);
      await ds.getChildTasks(parent.id!);
      await ds.findNextCreatedChild(parent.id!);
      await ds.getTaskLogParts(child.id!, { page: 1, size: 10, q: 'hello' });
      await ds.getJobLogParts(job.id, { page: 1, size: 10 });
      await ds.getActiveNodes(at(0));
      await ds.listJobsByState(['RUNNING'], 10);
    });
    expect(plans.length).toBeGreaterThan(10);
    for (const plan of plans) expect(plan.filter((line) => FULL_SCAN.test(line))).toEqual([]);
  });

  it('pages a search from the newest matches of the text index, reading jobs by their key', async () => {
    // After the fixture's jobs, created in the order they are stored.
    storeMatchingJobs('live', 2000, Date.parse('2030-01-01'));
    let page4: Awaited<ReturnType<SqlDatastore['listJobs']>> | undefined;
    const plans = await plansOf(async () => (page4 = await ds.listJobs({ page: 4, size: 10, q: 'reconcile' })));
    expect(page4!.totalItems).toBe(2000);
    expect(page4!.items.map((j) => j.id)).toEqual(Array.from({ length: 10 }, (_, i) => `live${1970 - i}`));
    // The newest 40 matches come from the index in rowid order (it sorts nothing), then the jobs
    // by their key; the created_at index is not walked.
    const textPlans = plans.filter((plan) => plan.some((line) => line.includes('jobs_fts')));
    expect(textPlans.length).toBeGreaterThanOrEqual(2);
    for (const plan of textPlans) expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
    expect(plans.at(-1)).toContain('SEARCH jobs USING INTEGER PRIMARY KEY (rowid=?)');
    expect(plans.join('\n')).not.toMatch(/jobs_created_at_idx/);
    for (const plan of plans) expect(plan.filter((line) => FULL_SCAN.test(line))).toEqual([]);
  });

  it('counts a search with many matches in the text index and, with creation order unknown, pages it newest first without sorting them', async () => {
    storeMatchingJobs('many', 10_000, 0, 'update jobs_creation_order set slack = null');
    let page3: Awaited<ReturnType<SqlDatastore['listJobs']>> | undefined;
    const plans = await plansOf(async () => (page3 = await ds.listJobs({ page: 3, size: 10, q: 'reconcile' })));
    expect(page3!.totalItems).toBe(10_000);
    expect(page3!.items.map((j) => j.id)).toEqual(Array.from({ length: 10 }, (_, i) => `many${9980 - i}`));
    expect(plans[0]!.join('\n')).toMatch(/^SCAN jobs_fts VIRTUAL TABLE/);
    const page = plans.at(-1)!;
    expect(page).toContain('SCAN jobs USING INDEX jobs_created_at_idx');
    expect(page.join('\n')).not.toMatch(/TEMP B-TREE/);
  });
});
