import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import type { Logger } from '../logger.js';
import type { SqlCapabilities } from './sql/capabilities.js';
import { reusableQuery } from './sql/reusable-query.js';
import { SqlDatastore } from './sql/sql-datastore.js';
import type { Database } from './sql/tables.js';
import { WalCheckpointer } from './sqlite-checkpointer.js';
import { ImmediateSqliteDialect, withStatementCache } from './sqlite-dialect.js';
import { SQLITE_FULL_TEXT } from './sqlite-fts.js';

export interface SqliteDatastoreOptions {
  /** Database file; its directory is created when missing. `:memory:` for a private in-memory database. */
  path: string;
  /** @default a silent logger */
  logger?: Logger;
  /**
   * How long a statement waits for another process's write lock before failing with SQLITE_BUSY.
   * @default 10000
   */
  busyTimeoutMs?: number;
  /** Passphrase for secrets at rest, see `SqlDatastoreOptions.encryptionKey`. @default no encryption */
  encryptionKey?: string;
}

/** SQLite has no row locks: `BEGIN IMMEDIATE` (see sqlite-dialect.ts) serialises writers instead. */
export const SQLITE_CAPABILITIES: SqlCapabilities = {
  name: 'sqlite',
  rowLocks: false,
  // better-sqlite3 answers every statement at once: without waiting for the end of the turn,
  // each task's transaction would commit alone (a WAL append and a lock round each).
  synchronousDriver: true,
  // SQLITE_MAX_VARIABLE_NUMBER since 3.32; keep a margin.
  maxParameters: 32_000,
  serialType: 'integer',
  fullText: SQLITE_FULL_TEXT,
  // `total_changes()` counts the rows this connection has written (triggers', and rolled-back
  // ones, included), `data_version` moves with every commit of another connection to the file.
  // Kysely's SQLite driver lends its one connection to one transaction at a time, so the token
  // is never read in the middle of another caller's transaction.
  async changeToken(db) {
    const [row] = await selectChangeCounters(db);
    return `${row!.version}:${row!.changes}`;
  },
  isUniqueViolation: (err) =>
    err instanceof Error &&
    'code' in err &&
    (err.code === 'SQLITE_CONSTRAINT_UNIQUE' || err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'),
};

const selectChangeCounters = reusableQuery(0, (db: Kysely<Database>) =>
  db.selectNoFrom([
    sql<number>`total_changes()`.as('changes'),
    sql<number>`(select data_version from pragma_data_version)`.as('version'),
  ]),
);

/**
 * The datastore on one SQLite file (better-sqlite3, through Kysely). Several processes may open
 * the same file, e.g. `drover migration` while a server runs: the file is in WAL mode, and writers
 * wait for each other up to `busyTimeoutMs`.
 *
 * Durability: `synchronous = NORMAL`. In WAL mode a committed transaction survives a crash of the
 * process; a power loss may lose the last transactions but never corrupts the file.
 *
 * Danger: within one process, open one instance per file and share it. better-sqlite3 waits for a
 * lock synchronously, so a second instance waiting on a transaction of the first blocks the event
 * loop that the first needs to finish it: both stall for `busyTimeoutMs`, then one fails with
 * SQLITE_BUSY. (Calls on one instance queue on its connection instead, which is cheap.)
 */
export class SqliteDatastore extends SqlDatastore {
  private readonly checkpointer: WalCheckpointer | undefined;

  constructor(options: SqliteDatastoreOptions) {
    if (!options?.path) throw new Error('SqliteDatastore: option `path` is required');
    const database = openDatabase(options.path, options.busyTimeoutMs ?? 10_000);
    const dialect = new ImmediateSqliteDialect({ database: withStatementCache(database) });
    super({
      db: new Kysely<Database>({ dialect }),
      capabilities: SQLITE_CAPABILITIES,
      logger: options.logger,
      encryptionKey: options.encryptionKey,
    });
    if (!isInMemory(options.path)) {
      this.checkpointer = new WalCheckpointer(options.path, this.logger);
      // Checkpoints are the thread's job; the commit path takes one only if it falls far behind.
      database.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
      // Between two checkpoints a burst may grow the log past its usual size; when it is rewound,
      // SQLite cuts it back to this rather than keep the largest size it ever reached.
      database.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    }
  }

  override async close(): Promise<void> {
    await super.close();
    // Last, so that its connection is the file's last: closing it checkpoints and removes the log.
    await this.checkpointer?.close();
  }
}

/** 40 MB of log at SQLite's default 4 KiB pages (its own default is 1,000 pages). */
const BACKSTOP_CHECKPOINT_PAGES = 10_000;
const WAL_SIZE_LIMIT_BYTES = 16 * 1024 * 1024;

function isInMemory(path: string): boolean {
  return path === ':memory:' || path === '';
}

function openDatabase(path: string, busyTimeoutMs: number): BetterSqlite3.Database {
  const inMemory = isInMemory(path);
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });
  const database = new BetterSqlite3(path, { timeout: busyTimeoutMs });
  if (!inMemory) database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  // Group commit runs each body under a savepoint, which copies every page it touches into the
  // statement journal: in memory rather than a temp file, or each write costs system calls.
  database.pragma('temp_store = MEMORY');
  // 32 MiB of page cache (the default is 2 MiB): list queries over a million jobs stay in memory.
  database.pragma('cache_size = -32768');
  database.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  // Rows are linked by code (deleteJobs and friends), not by declared foreign keys.
  database.pragma('foreign_keys = OFF');
  return database;
}
