import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createPool, deferringQuery } from '../../src/datastore/postgres-pool.js';
import { DEFERRED_MARK, FLUSH_MARK, combinable, combineWrites } from '../../src/datastore/sql/deferred-writes.js';
import { adminQuery, newSchemaName, POSTGRES_URL } from '../helpers/postgres.js';

describe('combining deferred writes', () => {
  it('renumbers the parameters of each part after those of the parts before it', () => {
    const combined = combineWrites([
      { text: 'update "tasks" set "state" = $1 where "id" = $2', values: ['RUNNING', 't1'] },
      { text: 'update "jobs" set "position" = $1 where "id" = $2', values: [2, 'j1'] },
      { text: 'insert into "tasks" ("id", "data") values ($1, $2), ($3, $4)', values: ['t2', '{}', 't3', '{}'] },
    ]);
    expect(combined.text).toBe(
      'with w0 as (update "tasks" set "state" = $1 where "id" = $2), w1 as (update "jobs" set "position" = $3 where "id" = $4) ' +
        'insert into "tasks" ("id", "data") values ($5, $6), ($7, $8)',
    );
    expect(combined.values).toEqual(['RUNNING', 't1', 2, 'j1', 't2', '{}', 't3', '{}']);
  });

  it('sends a lone write as it is', () => {
    const write = { text: 'update "jobs" set "position" = $1 where "id" = $2', values: [1, 'j'] };
    expect(combineWrites([write])).toBe(write);
  });

  it('keeps an update out of a statement that writes its table, and lets inserts join any', () => {
    const updateTask = { text: 'update "tasks" set "state" = $1 where "id" = $2', values: [] };
    const insertTask = { text: 'insert into "tasks" ("id") values ($1)', values: [] };
    const updateJob = { text: 'update "s"."jobs" set "state" = $1 where "id" = $2', values: [] };
    expect(combinable([updateTask], updateJob)).toBe(true);
    expect(combinable([updateTask, updateJob], insertTask)).toBe(true);
    expect(combinable([insertTask], updateTask)).toBe(false);
    expect(combinable([updateJob], { ...updateJob })).toBe(false);
    expect(combinable([], { text: 'delete from "tasks"', values: [] })).toBe(false);
  });
});

describe('deferred writes on a PostgreSQL connection', () => {
  const schema = newSchemaName();
  const pool = createPool({ dsn: POSTGRES_URL, max: 1, idleTimeoutMs: 10_000, maxLifetimeMs: 60_000, schema, applicationName: 'drover-test' });
  const deferred = (text: string) => `${text} ${DEFERRED_MARK}`;
  type Client = Awaited<ReturnType<typeof pool.connect>>;
  const rows = async (client: Client, text: string, values: unknown[] = []) =>
    ((await client.query(text, values)) as unknown as { rows: Array<Record<string, unknown>> }).rows;

  beforeAll(async () => {
    await adminQuery(`create schema "${schema}"`);
    await adminQuery(`create table "${schema}".items (id text primary key, n integer not null)`);
    await adminQuery(`create table "${schema}".other (id text primary key, n integer not null)`);
  });

  afterAll(async () => {
    await pool.end();
    await adminQuery(`drop schema if exists "${schema}" cascade`);
  });

  async function inTransaction(fn: (client: Client) => Promise<void>): Promise<void> {
    const client = await pool.connect();
    try {
      await client.query('begin', []);
      await fn(client);
      await client.query('rollback', []);
    } finally {
      client.release();
    }
  }

  it('lets a later read of the transaction see the writes it deferred, in the order written', async () => {
    await inTransaction(async (client) => {
      await client.query(deferred('insert into "items" ("id", "n") values ($1, $2)'), ['a', 1]);
      await client.query(deferred('update "other" set "n" = $1 where "id" = $2'), [5, 'none']);
      // Same table as the pending insert: sent after it, so it finds the row.
      await client.query(deferred('update "items" set "n" = $1 where "id" = $2'), [2, 'a']);
      expect(await rows(client, 'select id, n from items')).toEqual([{ id: 'a', n: 2 }]);
    });
  });

  it('fails the statement that sends a failing write, with the write\'s own error', async () => {
    await inTransaction(async (client) => {
      await client.query(deferred('insert into "items" ("id", "n") values ($1, $2)'), ['dup', 1]);
      const answer = await client.query(deferred('insert into "items" ("id", "n") values ($1, $2)'), ['dup', 2]);
      // Kept, not sent: it is answered as one row written.
      expect(answer).toMatchObject({ command: 'INSERT', rowCount: 1 });
      await expect(client.query(FLUSH_MARK, [])).rejects.toThrow(/duplicate key value violates unique constraint "items_pkey"/);
    });
  });

  it('drops the kept writes at a rollback to a savepoint, which would undo them', async () => {
    await inTransaction(async (client) => {
      await client.query(deferred('insert into "items" ("id", "n") values ($1, $2)'), ['kept', 1]);
      await client.query('savepoint s', []);
      // This one would fail, but the rollback drops it unsent.
      await client.query(deferred('insert into "items" ("id", "n") values ($1, $2)'), ['kept', 2]);
      await client.query('rollback to savepoint s', []);
      expect(await rows(client, 'select id, n from items')).toEqual([{ id: 'kept', n: 1 }]);
    });
  });

  it('replaces a connection released with writes still kept, instead of lending them to its next user', async () => {
    const pid = async (client: Client) => Number((await rows(client, 'select pg_backend_pid() as pid'))[0]!.pid);
    const first = await pool.connect();
    const before = await pid(first);
    await first.query('begin', []);
    await first.query(deferred('insert into "items" ("id", "n") values ($1, $2)'), ['orphan', 1]);
    first.release();
    const second = await pool.connect();
    try {
      expect(await pid(second)).not.toBe(before);
      expect(await rows(second, 'select id from items where id = $1', ['orphan'])).toEqual([]);
    } finally {
      second.release();
    }
  });
});

describe('what a connection with deferred writes sends to PostgreSQL', () => {
  const schema = newSchemaName();
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  /** The statements that reached the server, in order: a spy around the real client's `query`. */
  let sent: string[] = [];
  const { query } = deferringQuery((...args: unknown[]) => {
    sent.push(String(args[0]));
    return (client.query as (...a: unknown[]) => unknown)(...args);
  });
  const run = (text: string, values: unknown[] = []) => query(text, values) as Promise<{ rows: unknown[] }>;
  const deferred = (text: string) => `${text} ${DEFERRED_MARK}`;

  beforeAll(async () => {
    await client.connect();
    await client.query(`create schema "${schema}"`);
    await client.query(`set search_path to "${schema}"`);
    await client.query('create table items (id text primary key, n integer not null)');
  });

  afterAll(async () => {
    await client.query(`drop schema "${schema}" cascade`);
    await client.end();
  });

  it('sends a transaction of deferred writes alone as one statement, without begin and commit', async () => {
    sent = [];
    await run('begin');
    await run(deferred('insert into "items" ("id", "n") values ($1, $2)'), ['one', 1]);
    await run(deferred('insert into "items" ("id", "n") values ($1, $2)'), ['two', 2]);
    await run('commit');
    expect(sent).toEqual(['with w0 as (insert into "items" ("id", "n") values ($1, $2)) insert into "items" ("id", "n") values ($3, $4)']);
    expect((await client.query('select id from items order by id')).rows).toEqual([{ id: 'one' }, { id: 'two' }]);
  });

  it('sends begin before the first statement that is not a deferred write', async () => {
    sent = [];
    await run('begin');
    await run(deferred('update "items" set "n" = $1 where "id" = $2'), [10, 'one']);
    expect(sent).toEqual([]);
    expect((await run('select n from items where id = $1', ['one'])).rows).toEqual([{ n: 10 }]);
    await run('commit');
    expect(sent).toEqual(['begin', 'update "items" set "n" = $1 where "id" = $2', 'select n from items where id = $1', 'commit']);
  });

  it('sends begin before kept writes that must go ahead of a write that cannot join them', async () => {
    sent = [];
    await run('begin');
    await run(deferred('insert into "items" ("id", "n") values ($1, $2)'), ['three', 3]);
    await run(deferred('update "items" set "n" = $1 where "id" = $2'), [30, 'three']);
    await run('commit');
    expect(sent).toEqual(['begin', 'insert into "items" ("id", "n") values ($1, $2)', 'update "items" set "n" = $1 where "id" = $2', 'commit']);
    expect((await client.query('select n from items where id = $1', ['three'])).rows).toEqual([{ n: 30 }]);
  });

  it('sends nothing for a transaction rolled back before its first statement', async () => {
    sent = [];
    await run('begin');
    await run(deferred('insert into "items" ("id", "n") values ($1, $2)'), ['never', 0]);
    await run('rollback');
    expect(sent).toEqual([]);
    expect((await client.query('select id from items where id = $1', ['never'])).rows).toEqual([]);
  });
});
