import { afterAll, describe, expect, it } from 'vitest';
import { createPool, StatementNames } from '../../src/datastore/postgres-pool.js';
import { UnavailableError } from '../../src/errors.js';
import { adminQuery, newSchemaName, POSTGRES_URL } from '../helpers/postgres.js';

const schema = newSchemaName();
const pool = createPool({ dsn: POSTGRES_URL, max: 1, idleTimeoutMs: 10_000, maxLifetimeMs: 60_000, schema, applicationName: 'drover-test' });

afterAll(async () => {
  await pool.end();
  await adminQuery(`drop schema if exists "${schema}" cascade`);
});

type Rows = { rows: Array<Record<string, unknown>> };

async function run(text: string, values: unknown[] = []): Promise<Rows> {
  const client = await pool.connect();
  try {
    return (await client.query(text, values)) as unknown as Rows;
  } finally {
    client.release();
  }
}

async function backendPid(): Promise<number> {
  return Number((await run('select pg_backend_pid() as pid')).rows[0]!.pid);
}

describe('postgres pool', () => {
  it('prepares a parameterised statement once per connection and runs it again by name', async () => {
    await adminQuery(`create schema "${schema}"`);
    await run('create table items (id text primary key, n int)');
    await run('insert into items (id, n) values ($1, $2)', ['a', 1]);
    for (let n = 0; n < 3; n++) expect((await run('select n from items where id = $1', ['a'])).rows).toEqual([{ n: 1 }]);
    const prepared = await run('select statement from pg_prepared_statements where statement like $1', ['%from items where id%']);
    expect(prepared.rows).toEqual([{ statement: 'select n from items where id = $1' }]);
  });

  it('replaces a connection whose prepared statement no longer fits its table, and says to try again', async () => {
    const before = await backendPid();
    await run('select * from items where id = $1', ['a']);
    await adminQuery(`alter table "${schema}".items add column extra text`);
    await expect(run('select * from items where id = $1', ['a'])).rejects.toSatisfy(
      (err: unknown) => err instanceof UnavailableError && /cached plan/.test(err.message),
    );
    expect((await run('select * from items where id = $1', ['a'])).rows).toEqual([{ id: 'a', n: 1, extra: null }]);
    expect(await backendPid()).not.toBe(before);
  });

  it('names at most a bounded number of statement texts, the same name for the same text', () => {
    const names = new StatementNames(2);
    expect(names.nameOf('select 1 where $1')).toBe(names.nameOf('select 1 where $1'));
    expect(names.nameOf('select 2 where $1')).not.toBe(names.nameOf('select 1 where $1'));
    expect(names.nameOf('select 3 where $1')).toBeUndefined();
  });
});
