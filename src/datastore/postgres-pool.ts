import { Socket } from 'node:net';
import pg from 'pg';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { UnavailableError } from '../errors.js';
import { DEFERRED_MARK, FLUSH_MARK, combinable, combineWrites, writeTarget, type Write } from './sql/deferred-writes.js';

/** What the pool is built from; see `PostgresDatastoreOptions`. */
export interface PoolSettings {
  dsn: string;
  max: number;
  idleTimeoutMs: number;
  maxLifetimeMs: number;
  /** When set, every connection runs with `search_path` set to this schema. */
  schema?: string;
  applicationName: string;
}

/**
 * SQLSTATE codes that say "try again later", not "this statement is wrong": deadlocks and
 * serialisation failures (another coordinator won the race), lock timeouts, a server going away
 * or refusing connections. Class 08 (connection exceptions) is matched by prefix.
 */
const TRANSIENT_CODES = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '53300', '53400']);
const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

/** Whether a pg or socket error is operational: the same call may succeed a moment later. */
export function isTransientPgError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (TRANSIENT_CODES.has(code) || code.startsWith('08') || TRANSIENT_NODE_CODES.has(code))) {
    return true;
  }
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(err.message);
}

/** Operational failures become `UnavailableError` (503, retried by the broker); the rest pass as they are. */
function translate(err: unknown): never {
  if (isTransientPgError(err) || isStalePlan(err)) {
    throw new UnavailableError(`postgres: ${(err as Error).message}`, { cause: err });
  }
  throw err;
}

/**
 * A prepared statement whose table changed shape (a migration added a column to a `select *`):
 * PostgreSQL refuses to run it again on that connection, which is then dropped (see
 * `createPool`); the same query succeeds on a fresh one.
 */
function isStalePlan(err: unknown): boolean {
  return err instanceof Error && (err as { code?: unknown }).code === '0A000' && /cached plan/i.test(err.message);
}

/** Distinct statement texts that get a name; past this, queries run unnamed (parsed each time). */
export const MAX_NAMED_STATEMENTS = 2000;

/**
 * Names for the texts of parameterised statements, the same on every connection. Each
 * connection then prepares a statement once (PostgreSQL parses and plans it once, and later runs
 * send no SQL text) instead of on every run, which was a third of the server's CPU per query on
 * the coordinator's hot path. Statements without parameters (`begin`, `commit`, DDL) stay
 * unnamed. The set is bounded, so texts that vary with the data (`in ($1, …, $n)`) cannot grow
 * it, or the connections' statement caches, without limit.
 */
export class StatementNames {
  private readonly names = new Map<string, string>();

  constructor(private readonly max = MAX_NAMED_STATEMENTS) {}

  /** The name for `text`, or undefined once the set is full. */
  nameOf(text: string): string | undefined {
    let name = this.names.get(text);
    if (name === undefined && this.names.size < this.max) {
      name = `drover_${this.names.size + 1}`;
      this.names.set(text, name);
    }
    return name;
  }
}

type QueryFn = (...args: unknown[]) => unknown;

/**
 * `client.query` as Kysely calls it (`(text, values)`, or a cursor object), with parameterised
 * statements named. Errors are translated; a stale plan marks the connection for destruction.
 */
function namedQuery(query: QueryFn, names: StatementNames, onStalePlan: () => void): QueryFn {
  return (...args: unknown[]) => {
    const [text, values] = args;
    const name = typeof text === 'string' && Array.isArray(values) && values.length > 0 ? names.nameOf(text) : undefined;
    const result = name === undefined ? query(...args) : query({ name, text, values });
    // Cursor queries return the cursor itself; plain queries a promise.
    if (!(result instanceof Promise)) return result;
    return result.catch((err: unknown) => {
      if (isStalePlan(err)) onStalePlan();
      return translate(err);
    });
  };
}

/** `next()` once `first` has settled well, or at once (in the same tick) when there is no `first`. */
function after(first: Promise<unknown> | undefined, next: () => unknown): unknown {
  return first ? first.then(async () => next()) : Promise.resolve(next());
}

/**
 * The answer to the last of `sent` (statements sent one after another on one connection) once
 * all have settled well; otherwise the error of the first that failed, in the order sent. Waiting
 * for them all costs nothing: PostgreSQL answers a connection's statements in order, the last last.
 */
async function inOrder(sent: Array<Promise<unknown>>): Promise<unknown> {
  const outcomes = await Promise.allSettled(sent);
  for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
  return (outcomes[outcomes.length - 1] as PromiseFulfilledResult<unknown> | undefined)?.value;
}

/** What pg answers for a statement that returned no rows: for the statements answered here. */
function answer(command: string, rowCount = 0): unknown {
  return { command, rowCount, rows: [], fields: [] };
}

/** Sends what `send` sends in one write to the socket (see `createPool`). */
export type Corked = <T>(send: () => T) => T;

/**
 * `query` with the deferred writes of sql/deferred-writes.ts: a write marked `DEFERRED` is kept
 * (and answered as one row written) until the next statement of any kind on this connection,
 * which the kept writes precede as one statement. pg runs a connection's queries one after
 * another, so the order is kept; a failing write fails the statement that sent it. `rollback`
 * (of the transaction or to a savepoint) drops them: they would be undone anyway.
 *
 * `begin` waits too, until the transaction's first statement. A transaction that turns out to be
 * only deferred writes (a job submitted: the job, its tags, its first task) is then one statement,
 * sent at `commit` without `begin`: PostgreSQL runs a single statement atomically and durably on
 * its own, so the two round trips of `begin` and `commit` are saved.
 *
 * Inside a transaction, what waits (`begin`, the kept writes) goes out with the statement that
 * comes next, in one write to the socket (`corked`), and on a pipelining connection
 * (`createPool`) in one round trip: the statement is sent behind them without waiting for their
 * answers, and fails with the first of their errors. A task's completion then costs two round
 * trips (`begin` with its read; its writes with `commit`) instead of four. Finding a failure out
 * one statement late is safe there: PostgreSQL refuses every statement of a transaction after
 * one that failed, and answers its `commit` with a rollback (which `commit` here reports as an
 * error). Outside a transaction each statement still waits for the one before it to succeed.
 * A `savepoint` is sent at once, as it is: the transaction batcher must know that it was taken
 * before it runs the body it protects (sql/transaction-batcher.ts).
 */
export function deferringQuery(query: QueryFn, corked: Corked = (send) => send()): { query: QueryFn; hasPending(): boolean } {
  let pending: Write[] = [];
  let beginPending = false;
  let inTransaction = false;
  const takeWrites = (): Write | undefined => {
    if (pending.length === 0) return undefined;
    const combined = combineWrites(pending);
    pending = [];
    return combined;
  };
  const send = (write: Write | undefined): Promise<unknown> | undefined =>
    write ? (query(write.text, write.values) as Promise<unknown>) : undefined;
  /** Sends what must reach the server before the next statement: `begin`, then the kept writes, in one write. */
  const catchUp = (): Array<Promise<unknown>> =>
    corked(() => {
      const sent: Array<Promise<unknown>> = [];
      if (beginPending) {
        beginPending = false;
        sent.push(query('begin', []) as Promise<unknown>);
      }
      const writes = send(takeWrites());
      if (writes) sent.push(writes);
      return sent;
    });
  /** `next()` behind what `catchUp` sends: in the same write inside a transaction, after it settled well outside. */
  const behind = (next: () => unknown): unknown => {
    if (!inTransaction) return after(settled(catchUp()), next);
    const [ahead, last] = corked(() => [catchUp(), next()] as const);
    return ahead.length === 0 ? last : inOrder([...ahead, Promise.resolve(last)]);
  };
  const deferring: QueryFn = (...args) => {
    const [text, values] = args;
    if (typeof text !== 'string') {
      // A cursor (never used inside the coordinator's transactions): it is queued after the
      // writes, and fails with "transaction aborted" if one of them failed.
      for (const sent of catchUp()) sent.catch(() => undefined);
      return query(...args);
    }
    if (text === 'begin') {
      beginPending = true;
      inTransaction = true;
      return Promise.resolve(answer('BEGIN'));
    }
    if (beginPending && text === 'commit') {
      // Nothing was sent since `begin`: the kept writes, if any, are the whole transaction.
      beginPending = false;
      inTransaction = false;
      return after(send(takeWrites()), () => answer('COMMIT'));
    }
    if (beginPending && text === 'rollback') {
      beginPending = false;
      inTransaction = false;
      pending = [];
      return Promise.resolve(answer('ROLLBACK'));
    }
    if (text === 'commit') {
      // Behind the kept writes, in their round trip.
      const committing = behind(() => query(...args)) as Promise<{ command?: string }>;
      inTransaction = false;
      return committing.then(committed);
    }
    if (text === FLUSH_MARK) return after(settled(catchUp()), () => answer('SELECT'));
    if (text.startsWith('rollback')) {
      pending = [];
      if (text === 'rollback') inTransaction = false;
      return query(...args);
    }
    if (text.endsWith(DEFERRED_MARK)) {
      const write = { text: text.slice(0, -DEFERRED_MARK.length).trimEnd(), values: (values as unknown[] | undefined) ?? [] };
      const target = writeTarget(write.text);
      // Not a write this connection can keep: it goes at once, after the kept ones.
      if (!target) return behind(() => query(write.text, write.values));
      // One that cannot join the kept ones sends them first (after `begin`, if it waits).
      const flushing = combinable(pending, write) ? undefined : settled(catchUp());
      pending.push(write);
      return after(flushing, () => answer(target.kind.toUpperCase(), 1));
    }
    return behind(() => query(...args));
  };
  return { query: deferring, hasPending: () => pending.length > 0 };
}

/** `inOrder(sent)`, or undefined when nothing was sent (nothing to wait for). */
function settled(sent: Array<Promise<unknown>>): Promise<unknown> | undefined {
  return sent.length > 0 ? inOrder(sent) : undefined;
}

/**
 * PostgreSQL answers `commit` in a transaction that a failed statement aborted with a rollback,
 * not an error. Every failure here is reported by the statement that met it; this is the guard
 * for one that went unnoticed.
 */
function committed<T extends { command?: string }>(result: T): T {
  if (result?.command === 'ROLLBACK') throw new Error('postgres: the transaction was rolled back at commit (a statement in it had failed)');
  return result;
}

/**
 * A pg pool as Kysely's dialect wants it, whose errors are sorted into transient and permanent
 * ones (see `translate`). Only this file and `postgres.ts` know about `pg`.
 */
export function createPool(settings: PoolSettings): PostgresPool {
  const pool = new pg.Pool({
    ...connectionConfig(settings.dsn),
    max: settings.max,
    idleTimeoutMillis: settings.idleTimeoutMs,
    maxLifetimeSeconds: Math.max(0, Math.round(settings.maxLifetimeMs / 1000)),
    connectionTimeoutMillis: 10_000,
    application_name: settings.applicationName,
    // A query is written as soon as it is asked for, not after the answer to the one before it
    // (node-postgres's pipeline mode): what `deferringQuery` sends ahead of a statement shares its
    // round trip. Nothing here asks for two statements at once otherwise; Kysely awaits each.
    pipeline: true,
    ...(settings.schema ? { options: `-c search_path=${quoteIdent(settings.schema)}` } : {}),
  });
  // An idle client whose server went away emits 'error' on the pool; without a listener that
  // would crash the process. The next query gets a fresh connection.
  pool.on('error', () => undefined);
  const guarded = new WeakSet<pg.PoolClient>();
  const names = new StatementNames();
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect().catch(translate);
      // A checked-out client whose connection dies between two queries emits 'error' itself;
      // the next query on it fails (and is translated), so the event needs only a listener.
      if (!guarded.has(client)) {
        guarded.add(client);
        client.on('error', () => undefined);
      }
      let isStale = false;
      const named = namedQuery(client.query.bind(client) as QueryFn, names, () => (isStale = true));
      const { query, hasPending } = deferringQuery(named, corkedOn(client));
      return {
        query: query as PostgresPoolClient['query'],
        // Its prepared statements would keep failing: a new connection prepares them afresh. One
        // released with writes still kept ended a transaction without commit or rollback: it
        // goes too, rather than hand them to the next user.
        release: (destroy?: boolean) => client.release(destroy || isStale || hasPending()),
      };
    },
    end: () => pool.end(),
  };
}

/**
 * Writes what `send` asks of `client` as one `writev`: node-postgres corks its socket for the
 * messages of one query but not across queries. pg does not type its connection's socket;
 * without one, the queries are written one by one, which changes only the cost.
 */
export function corkedOn(client: pg.ClientBase): Corked {
  const socket = (client as unknown as { connection?: { stream?: unknown } }).connection?.stream;
  if (!(socket instanceof Socket)) return (send) => send();
  return (send) => {
    socket.cork();
    try {
      return send();
    } finally {
      socket.uncork();
    }
  };
}

/**
 * A DSN as Tork writes it (`host=localhost user=tork password=tork dbname=tork port=5432
 * sslmode=disable`) or as a URL (`postgres://user:pass@host:5432/db?sslmode=disable`).
 */
export function connectionConfig(dsn: string): pg.ClientConfig {
  const text = dsn.trim();
  if (/^postgres(ql)?:\/\//i.test(text)) return { connectionString: text };
  const config: pg.ClientConfig = {};
  for (const [key, value] of parseKeyValues(text)) {
    switch (key) {
      case 'host':
        config.host = value;
        break;
      case 'port':
        config.port = Number(value);
        break;
      case 'user':
        config.user = value;
        break;
      case 'password':
        config.password = value;
        break;
      case 'dbname':
        config.database = value;
        break;
      case 'sslmode':
        config.ssl = sslFor(value);
        break;
      default:
        // Other libpq keywords (connect_timeout, …) have no pg equivalent worth mapping.
        break;
    }
  }
  return config;
}

function sslFor(mode: string): pg.ClientConfig['ssl'] {
  if (mode === 'disable' || mode === 'allow' || mode === 'prefer') return false;
  if (mode === 'verify-ca' || mode === 'verify-full') return true;
  return { rejectUnauthorized: false };
}

/** libpq `key=value` pairs; values may be single-quoted with `\'` and `\\` escapes. */
function parseKeyValues(text: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const pattern = /([a-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S*))/gi;
  for (const match of text.matchAll(pattern)) {
    const value = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? '');
    pairs.push([match[1]!.toLowerCase(), value]);
  }
  return pairs;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
