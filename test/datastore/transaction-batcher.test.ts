import { Kysely, PostgresDialect, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/datastore/postgres-pool.js';
import type { Database } from '../../src/datastore/sql/tables.js';
import { TransactionBatcher } from '../../src/datastore/sql/transaction-batcher.js';
import { adminQuery, newSchemaName, POSTGRES_URL } from '../helpers/postgres.js';

const schema = newSchemaName();
const db = new Kysely<Database>({
  dialect: new PostgresDialect({
    pool: createPool({ dsn: POSTGRES_URL, max: 2, idleTimeoutMs: 10_000, maxLifetimeMs: 60_000, schema, applicationName: 'drover-test' }),
  }),
});

afterAll(async () => {
  await db.destroy();
  await adminQuery(`drop schema if exists "${schema}" cascade`);
});

describe('transaction batcher on PostgreSQL', () => {
  it('runs a body whose savepoint could not be taken in the next transaction instead of losing it', async () => {
    const batcher = new TransactionBatcher(db);
    let second: Promise<number> | undefined;
    // The first body ends its own connection (as a server restart would) after queueing the second.
    const first = batcher.run(async (trx) => {
      second = batcher.run(async (next) => Number((await sql<{ one: number }>`select 1 as one`.execute(next)).rows[0]!.one));
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
      await adminQuery('select pg_terminate_backend($1)', [rows[0]!.pid]);
      return 'first';
    });
    await expect(first).rejects.toThrow();
    await expect(second).resolves.toBe(1);
  });

  it('runs the hook after every body but a lone first one, as part of that body', async () => {
    const seen: string[] = [];
    const batcher = new TransactionBatcher(db, {
      afterBody: async () => {
        seen.push('after');
        if (seen.filter((s) => s === 'after').length === 2) throw new Error('hook failed');
      },
    });
    await batcher.run(async () => void seen.push('alone'));
    expect(seen).toEqual(['alone']);
    seen.length = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const blocker = batcher.run(async () => {
      seen.push('a');
      await gate;
    });
    const b = batcher.run(async () => void seen.push('b'));
    const c = batcher.run(async () => void seen.push('c'));
    release();
    const outcomes = await Promise.allSettled([blocker, b, c]);
    expect(seen).toEqual(['a', 'after', 'b', 'after', 'c', 'after']);
    // The second hook failed: its body (b) is rolled back and rejected, the others commit.
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
