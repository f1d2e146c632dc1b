import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type KyselyPlugin } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';

import { ReusableWrites, reusableQuery } from '../../src/datastore/sql/reusable-query.js';
import { insertRows, updateById } from '../../src/datastore/sql/row-writes.js';
import type { Database } from '../../src/datastore/sql/tables.js';

const opened: Kysely<Database>[] = [];

afterEach(async () => {
  for (const db of opened.splice(0)) await db.destroy();
});

/** A bare database with a two-column `jobs` table (enough for the query shapes below). */
async function open(): Promise<{ db: Kysely<Database>; prepared: string[] }> {
  const database = new BetterSqlite3(':memory:');
  const prepared: string[] = [];
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({
      database: {
        close: () => database.close(),
        prepare: (text: string) => {
          prepared.push(text);
          return database.prepare(text);
        },
      },
    }),
  });
  opened.push(db);
  await sql`create table jobs (id text primary key, name text, state text)`.execute(db);
  await sql`insert into jobs values ('a', 'first', 'RUNNING'), ('b', 'second', 'FAILED')`.execute(db);
  prepared.length = 0;
  return { db, prepared };
}

describe('reusableQuery', () => {
  it('runs one compiled statement with the values of each call, keeping its constants', async () => {
    const { db, prepared } = await open();
    const byIdAndState = reusableQuery(2, (d: Kysely<Database>, id: string, state: string) =>
      d
        .selectFrom('jobs')
        .select(['jobs.id', 'jobs.name'])
        .where('jobs.id', '=', id)
        .where('jobs.name', '!=', 'never')
        .where('jobs.state', '=', state),
    );
    expect(await byIdAndState(db, 'a', 'RUNNING')).toEqual([{ id: 'a', name: 'first' }]);
    expect(await byIdAndState(db, 'b', 'FAILED')).toEqual([{ id: 'b', name: 'second' }]);
    expect(await byIdAndState(db, 'b', 'RUNNING')).toEqual([]);
    expect(new Set(prepared).size).toBe(1);
  });

  it('compiles once per Kysely instance, for each back end writes its own SQL', async () => {
    const first = await open();
    const second = await open();
    const byId = reusableQuery(1, (d: Kysely<Database>, id: string) =>
      d.selectFrom('jobs').select('jobs.name').where('jobs.id', '=', id),
    );
    expect(await byId(first.db, 'a')).toEqual([{ name: 'first' }]);
    expect(await byId(second.db, 'b')).toEqual([{ name: 'second' }]);
  });

  it('builds the query once for a database and all of its transactions', async () => {
    const { db } = await open();
    let builds = 0;
    const byId = reusableQuery(1, (d: Kysely<Database>, id: string) => {
      builds++;
      return d.selectFrom('jobs').select('jobs.name').where('jobs.id', '=', id);
    });
    expect(await byId(db, 'a')).toEqual([{ name: 'first' }]);
    for (const id of ['a', 'b']) {
      await db.transaction().execute(async (trx) => {
        expect(await byId(trx, id)).toEqual([{ name: id === 'a' ? 'first' : 'second' }]);
      });
    }
    expect(builds).toBe(1);
  });

  it('builds it again for the same database seen through another plugin', async () => {
    const { db } = await open();
    let builds = 0;
    const byId = reusableQuery(1, (d: Kysely<Database>, id: string) => {
      builds++;
      return d.selectFrom('jobs').select('jobs.name').where('jobs.id', '=', id);
    });
    const upper: KyselyPlugin = {
      transformQuery: ({ node }) => node,
      transformResult: async ({ result }) => ({
        ...result,
        rows: result.rows.map((row) => ({ name: String(row.name).toUpperCase() })),
      }),
    };
    expect(await byId(db, 'a')).toEqual([{ name: 'first' }]);
    expect(await byId(db.withPlugin(upper), 'a')).toEqual([{ name: 'FIRST' }]);
    expect(builds).toBe(2);
  });

  it('refuses a query that drops one of its arguments', async () => {
    const { db } = await open();
    const broken = reusableQuery(1, (d: Kysely<Database>, _id: string) => d.selectFrom('jobs').select('jobs.id'));
    await expect(broken(db, 'a')).rejects.toThrow(/argument 0 is not a parameter/);
  });
});

describe('ReusableWrites', () => {
  /** `update jobs set name = ?, state = ? where id = ?` from the values in that order. */
  function updateNameAndState(db: Kysely<Database>, counter: { builds: number }) {
    return (v: readonly unknown[]) => {
      counter.builds++;
      return db
        .updateTable('jobs')
        .set({ name: v[0] as string, state: v[1] as string })
        .where('id', '=', v[2] as string);
    };
  }

  async function rows(db: Kysely<Database>) {
    return (await sql<{ id: string; name: string; state: string }>`select * from jobs order by id`.execute(db)).rows;
  }

  it('writes each call with its own values through one statement compiled once per shape', async () => {
    const { db, prepared } = await open();
    const writes = new ReusableWrites();
    const counter = { builds: 0 };
    await writes.run(db, 'name,state', ['one', 'DONE', 'a'], updateNameAndState(db, counter));
    await writes.run(db, 'name,state', ['two', 'FAILED', 'b'], updateNameAndState(db, counter));
    expect(await rows(db)).toEqual([
      { id: 'a', name: 'one', state: 'DONE' },
      { id: 'b', name: 'two', state: 'FAILED' },
    ]);
    expect(counter.builds).toBe(1);
    expect(new Set(prepared.filter((text) => text.startsWith('update'))).size).toBe(1);
    // Another shape is compiled apart.
    await writes.run(db, 'state', ['RUNNING', 'a'], (v) => {
      counter.builds++;
      return db.updateTable('jobs').set({ state: v[0] as string }).where('id', '=', v[1] as string);
    });
    expect(counter.builds).toBe(2);
    expect((await rows(db))[0]).toEqual({ id: 'a', name: 'one', state: 'RUNNING' });
  });

  it('builds a shape from its real values every time when a plugin changes the values (a sealed column)', async () => {
    const { db } = await open();
    // Upper-cases every value an update sets, as the sealed-columns plugin encrypts some.
    const upper: KyselyPlugin = {
      transformQuery: ({ node }) => {
        if (node.kind !== 'UpdateQueryNode' || !node.updates) return node;
        const updates = node.updates.map((u) =>
          u.value.kind === 'ValueNode'
            ? { ...u, value: { ...u.value, value: String((u.value as unknown as { value: unknown }).value).toUpperCase() } }
            : u,
        );
        return { ...node, updates } as typeof node;
      },
      transformResult: async ({ result }) => result,
    };
    const sealed = db.withPlugin(upper);
    const writes = new ReusableWrites();
    const counter = { builds: 0 };
    await writes.run(sealed, 'name,state', ['one', 'done', 'a'], updateNameAndState(sealed, counter));
    await writes.run(sealed, 'name,state', ['two', 'failed', 'b'], updateNameAndState(sealed, counter));
    expect(await rows(db)).toEqual([
      { id: 'a', name: 'ONE', state: 'DONE' },
      { id: 'b', name: 'TWO', state: 'FAILED' },
    ]);
    // Once with stand-ins to learn the shape, then once per call.
    expect(counter.builds).toBe(3);
    // Without the plugin the same shape is compiled and kept.
    await writes.run(db, 'name,state', ['three', 'x', 'a'], updateNameAndState(db, counter));
    await writes.run(db, 'name,state', ['four', 'y', 'b'], updateNameAndState(db, counter));
    expect(counter.builds).toBe(4);
    expect((await rows(db)).map((r) => r.name)).toEqual(['three', 'four']);
  });
});

describe('updateById and insertRows', () => {
  async function openTasks(): Promise<Kysely<Database>> {
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
    opened.push(db);
    await sql`create table tasks (id text primary key, job_id text, state text, position integer)`.execute(db);
    return db;
  }

  async function tasks(db: Kysely<Database>) {
    return (await sql<Record<string, unknown>>`select * from tasks order by id`.execute(db)).rows;
  }

  it('leaves out undefined values as Kysely does, and writes nothing when none is left', async () => {
    const db = await openTasks();
    await insertRows(db, 'tasks', [{ id: 't1', job_id: 'j', state: 'PENDING', position: 1 } as never], undefined);
    await updateById(db, 'tasks', 't1', { state: 'RUNNING', job_id: undefined }, undefined);
    await updateById(db, 'tasks', 't1', { job_id: undefined }, undefined);
    expect(await tasks(db)).toEqual([{ id: 't1', job_id: 'j', state: 'RUNNING', position: 1 }]);
  });

  it('inserts rows of one shape through one statement and rows of different columns as they are', async () => {
    const db = await openTasks();
    const row = (id: string, position: number) => ({ id, job_id: 'j', state: 'PENDING', position }) as never;
    await insertRows(db, 'tasks', [row('a', 1), row('b', 2)], undefined);
    await insertRows(db, 'tasks', [row('c', 3), row('d', 4)], undefined);
    // Different columns from one row to the next: built by Kysely, which fills the gaps with null.
    await insertRows(db, 'tasks', [{ id: 'e', state: 'X' } as never, { id: 'f', position: 6 } as never], undefined);
    expect(await tasks(db)).toEqual([
      { id: 'a', job_id: 'j', state: 'PENDING', position: 1 },
      { id: 'b', job_id: 'j', state: 'PENDING', position: 2 },
      { id: 'c', job_id: 'j', state: 'PENDING', position: 3 },
      { id: 'd', job_id: 'j', state: 'PENDING', position: 4 },
      { id: 'e', job_id: null, state: 'X', position: null },
      { id: 'f', job_id: null, state: null, position: 6 },
    ]);
  });
});
