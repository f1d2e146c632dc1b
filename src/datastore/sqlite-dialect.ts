import type { Database as BetterSqliteDatabase, Statement } from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type SqliteDatabase,
  type SqliteDialectConfig,
} from 'kysely';

/**
 * Kysely's SQLite dialect with two changes that make it safe for several processes on one file:
 *
 * - transactions start with `BEGIN IMMEDIATE`: the write lock is taken up front, so a transaction
 *   that reads then writes never fails with SQLITE_BUSY half-way (a deferred one cannot wait for
 *   the lock once it has read), and writers queue on `busy_timeout` instead;
 * - migrations run in a transaction (SQLite has transactional DDL; Kysely's adapter says it has
 *   not, and its migration lock is a no-op on SQLite), so two processes migrating at once take
 *   turns and the second finds nothing left to do.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  private readonly config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/**
 * The better-sqlite3 handle as Kysely sees it, with prepared statements kept for reuse: Kysely
 * prepares every query anew, and preparing costs more than running a small statement. The query
 * layer builds the same SQL text for the same query shape, so a small LRU covers the hot path.
 * Reuse is safe because Kysely's SQLite driver runs one statement at a time.
 */
export function withStatementCache(database: BetterSqliteDatabase, capacity = 256): SqliteDatabase {
  const cache = new Map<string, Statement>();
  return {
    close: () => database.close(),
    prepare(sqlText: string): Statement {
      let statement = cache.get(sqlText);
      if (statement) {
        // Map keeps insertion order: re-inserting marks the entry as most recently used.
        cache.delete(sqlText);
      } else {
        statement = database.prepare(sqlText);
        if (cache.size >= capacity) cache.delete(cache.keys().next().value!);
      }
      cache.set(sqlText, statement);
      return statement;
    },
  };
}
