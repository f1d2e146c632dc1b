import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { ImmediateSqliteDialect } from '../../src/datastore/sqlite-dialect.js';
import type { Database } from '../../src/datastore/sql/tables.js';
import { TransactionBatcher } from '../../src/datastore/sql/transaction-batcher.js';

/**
 * On a synchronous driver a transaction runs from `begin` to `commit` within the microtasks of
 * the callback that asked for it, so bodies asked for by two I/O callbacks of one turn of the
 * event loop (two `setImmediate` callbacks stand in for them here) never meet in one commit
 * unless the batcher waits for the end of the turn.
 */
describe('transaction batcher on a synchronous driver', () => {
  let db: Kysely<Database> | undefined;
  const statements: string[] = [];

  afterEach(async () => {
    await db?.destroy();
    db = undefined;
    statements.length = 0;
  });

  function open(): Kysely<Database> {
    db = new Kysely<Database>({
      dialect: new ImmediateSqliteDialect({ database: new BetterSqlite3(':memory:') }),
      log: (event) => {
        statements.push(event.query.sql);
      },
    });
    return db;
  }

  /** Two bodies, each asked for by its own `setImmediate` callback of the same turn. */
  async function twoBodiesFromOneTurn(batcher: TransactionBatcher, kysely: Kysely<Database>): Promise<number[]> {
    await sql`create table t (n integer)`.execute(kysely);
    statements.length = 0;
    const insert = (n: number) => (trx: Kysely<Database>) => sql`insert into t (n) values (${n})`.execute(trx).then(() => n);
    const asked = await new Promise<Array<Promise<number>>>((resolve) => {
      const bodies: Array<Promise<number>> = [];
      setImmediate(() => bodies.push(batcher.run(insert(1))));
      setImmediate(() => {
        bodies.push(batcher.run(insert(2)));
        resolve(bodies);
      });
    });
    return Promise.all(asked);
  }

  const begins = (): number => statements.filter((s) => s === 'begin immediate').length;
  const commits = (): number => statements.filter((s) => s === 'commit').length;

  it('commits bodies asked for in the same turn together when it starts on the next turn', async () => {
    const kysely = open();
    const batcher = new TransactionBatcher(kysely, { startNextTurn: true });
    expect(await twoBodiesFromOneTurn(batcher, kysely)).toEqual([1, 2]);
    expect([begins(), commits()]).toEqual([1, 1]);
    // Both committed, the second under its own savepoint.
    const { rows } = await sql<{ n: number }>`select n from t order by n`.execute(kysely);
    expect(rows.map((r) => r.n)).toEqual([1, 2]);
    expect(statements).toContain('savepoint drover_batch_item');
  });

  it('commits them one by one when it starts at once (the reason for the option)', async () => {
    const kysely = open();
    const batcher = new TransactionBatcher(kysely);
    expect(await twoBodiesFromOneTurn(batcher, kysely)).toEqual([1, 2]);
    expect([begins(), commits()]).toEqual([2, 2]);
  });

  it('still runs a lone body, and one asked for while a batch runs, when starting on the next turn', async () => {
    const kysely = open();
    const batcher = new TransactionBatcher(kysely, { startNextTurn: true });
    await sql`create table t (n integer)`.execute(kysely);
    let inner: Promise<number> | undefined;
    const outer = await batcher.run(async (trx) => {
      inner = batcher.run(async (next) => (await sql<{ c: number }>`select count(*) as c from t`.execute(next)).rows[0]!.c);
      await sql`insert into t (n) values (1)`.execute(trx);
      return 'outer';
    });
    expect(outer).toBe('outer');
    // Asked for during the first body: carried by the same transaction, and sees its write.
    await expect(inner).resolves.toBe(1);
  });

  it('keeps a failing body to itself when it shares a turn with another', async () => {
    const kysely = open();
    const batcher = new TransactionBatcher(kysely, { startNextTurn: true });
    await sql`create table t (n integer)`.execute(kysely);
    const outcomes = await new Promise<Array<Promise<unknown>>>((resolve) => {
      const bodies: Array<Promise<unknown>> = [];
      setImmediate(() => bodies.push(batcher.run((trx) => sql`insert into t (n) values (1)`.execute(trx))));
      setImmediate(() => {
        bodies.push(
          batcher.run(async (trx) => {
            await sql`insert into t (n) values (2)`.execute(trx);
            throw new Error('body failed');
          }),
        );
        resolve(bodies);
      });
    }).then((bodies) => Promise.allSettled(bodies));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
    const { rows } = await sql<{ n: number }>`select n from t`.execute(kysely);
    expect(rows.map((r) => r.n)).toEqual([1]);
  });
});
