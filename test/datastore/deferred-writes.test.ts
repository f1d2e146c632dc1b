import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { corkedOn, createPool, deferringQuery } from '../../src/datastore/postgres-pool.js';
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

type WriteMethod = (...args: unknown[]) => unknown;

describe('a pipelining connection sends what waits with the statement that comes next', () => {
  const schema = newSchemaName();
  // As `createPool` opens them: each query is written when asked for, not after the last answer.
  const client = new pg.Client({ connectionString: POSTGRES_URL, pipeline: true });
  /** In order: each statement as it was sent, and as it was answered. */
  let trace: string[] = [];
  let socketWrites = 0;
  const { query } = deferringQuery((...args: unknown[]) => {
    const text = String(args[0]).split(' ')[0]!;
    trace.push(`send ${text}`);
    const answered = (client.query as (...a: unknown[]) => Promise<unknown>)(...args);
    answered.then(
      () => trace.push(`answer ${text}`),
      () => trace.push(`fail ${text}`),
    );
    return answered;
  }, corkedOn(client));
  const run = (text: string, values: unknown[] = []) => query(text, values) as Promise<{ rows: unknown[]; command: string }>;
  const deferred = (text: string) => `${text} ${DEFERRED_MARK}`;
  const rows = async (text: string, values: unknown[] = []) => (await client.query(text, values)).rows;

  beforeAll(async () => {
    await client.connect();
    await client.query(`create schema "${schema}"`);
    await client.query(`set search_path to "${schema}"`);
    await client.query('create table items (id text primary key, n integer not null)');
    await client.query(`insert into items values ('a', 1)`);
    // Every write to the server, whether one message or several corked into one.
    const socket = (client as unknown as { connection: { stream: { _write: WriteMethod; _writev: WriteMethod } } }).connection.stream;
    for (const method of ['_write', '_writev'] as const) {
      const original = socket[method];
      socket[method] = function (this: unknown, ...args: unknown[]) {
        socketWrites++;
        return original.apply(this, args);
      };
    }
  });

  afterAll(async () => {
    await client.query(`drop schema "${schema}" cascade`);
    await client.end();
  });

  beforeEach(() => {
    trace = [];
    socketWrites = 0;
  });

  it('sends begin and the first read in one write, before either is answered', async () => {
    await run('begin');
    expect((await run('select n from items where id = $1 for update', ['a'])).rows).toEqual([{ n: 1 }]);
    expect(socketWrites).toBe(1);
    expect(trace).toEqual(['send begin', 'send select', 'answer begin', 'answer select']);
    await run('rollback');
  });

  it('sends the kept writes and commit in one write, and commits them', async () => {
    await run('begin');
    await run('select n from items where id = $1 for update', ['a']);
    await run(deferred('update "items" set "n" = $1 where "id" = $2'), [2, 'a']);
    await run(deferred('insert into "items" ("id", "n") values ($1, $2)'), ['b', 1]);
    trace = [];
    socketWrites = 0;
    expect((await run('commit')).command).toBe('COMMIT');
    expect(socketWrites).toBe(1);
    expect(trace).toEqual(['send with', 'send commit', 'answer with', 'answer commit']);
    expect(await rows('select id, n from items order by id')).toEqual([
      { id: 'a', n: 2 },
      { id: 'b', n: 1 },
    ]);
  });

  it('fails commit with the error of a kept write sent with it, and commits nothing', async () => {
    await run('begin');
    await run('select n from items where id = $1 for update', ['a']);
    await run(deferred('update "items" set "n" = $1 where "id" = $2'), [3, 'a']);
    await run(deferred('insert into "items" ("id", "n") values ($1, $2)'), ['b', 9]);
    await expect(run('commit')).rejects.toThrow(/duplicate key value violates unique constraint "items_pkey"/);
    // What Kysely does when commit fails; the connection is then fit for the next transaction.
    await run('rollback');
    expect(await rows('select id, n from items order by id')).toEqual([
      { id: 'a', n: 2 },
      { id: 'b', n: 1 },
    ]);
    await run('begin');
    expect((await run('select count(*)::int as n from items')).rows).toEqual([{ n: 2 }]);
    await run('rollback');
  });

  it('sends begin and kept writes that must go ahead of another write in one write', async () => {
    await run('begin');
    await run(deferred('insert into "items" ("id", "n") values ($1, $2)'), ['c', 3]);
    // An update of the table the kept insert writes cannot join it: the two go ahead of it.
    await run(deferred('update "items" set "n" = $1 where "id" = $2'), [30, 'c']);
    expect(socketWrites).toBe(1);
    expect(trace).toEqual(['send begin', 'send insert', 'answer begin', 'answer insert']);
    expect((await run('select n from items where id = $1', ['c'])).rows).toEqual([{ n: 30 }]);
    await run('rollback');
  });

  it('fails the statement sent behind kept writes with the first error, in the order sent', async () => {
    await run('begin');
    await run(deferred('insert into "items" ("id", "n") values ($1, $2)'), ['a', 0]);
    // The insert fails; the read sent behind it is refused with "current transaction is aborted".
    await expect(run('select n from items where id = $1', ['b'])).rejects.toThrow(/duplicate key value/);
    await run('rollback');
  });

  it('reports a commit that PostgreSQL answered with a rollback as a failure', async () => {
    await run('begin');
    // A failure that its caller swallowed: the transaction is aborted, and commit would roll back.
    await run('select 1 / 0').catch(() => undefined);
    await expect(run('commit')).rejects.toThrow(/rolled back at commit/);
  });

  it('still waits for each statement outside a transaction', async () => {
    expect((await run('select 1 as one')).rows).toEqual([{ one: 1 }]);
    expect(trace).toEqual(['send select', 'answer select']);
  });
});
