import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type KyselyPlugin } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';

import { reusableQuery } from '../../src/datastore/sql/reusable-query.js';
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
