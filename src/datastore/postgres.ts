import {
  Kysely,
  Migrator,
  PostgresDialect,
  sql,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type DatabaseMetadataOptions,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely';
import { coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import { POSTGRES_FULL_TEXT } from './postgres-fts.js';
import { createPool } from './postgres-pool.js';
import type { SqlCapabilities } from './sql/capabilities.js';
import { migrationProvider } from './sql/migrations.js';
import { SqlDatastore } from './sql/sql-datastore.js';
import type { Database } from './sql/tables.js';

export interface PostgresDatastoreOptions {
  /** `postgres://user:pass@host:5432/db?sslmode=disable`, or libpq's `host=… user=… dbname=…`. */
  dsn: string;
  /** @default a silent logger */
  logger?: Logger;
  /** Most connections open at once. @default 25 */
  maxConnections?: number;
  /** Close a connection idle this long. @default 300000 (5 min) */
  idleTimeoutMs?: number;
  /** Replace a connection after this long. @default 3600000 (1 h) */
  maxLifetimeMs?: number;
  /**
   * Keep every table in this schema (created by `migrate()`), e.g. one schema per test. Letters,
   * digits and `_` only. @default the connection's own `search_path` (normally `public`)
   */
  schema?: string;
  /** Shown in `pg_stat_activity`. @default 'drover' */
  applicationName?: string;
  /** Passphrase for secrets at rest, see `SqlDatastoreOptions.encryptionKey`. @default no encryption */
  encryptionKey?: string;
}

/** PostgreSQL has row locks (`SELECT … FOR UPDATE`) and 65535 parameters per statement. */
export const POSTGRES_CAPABILITIES: SqlCapabilities = {
  name: 'postgres',
  rowLocks: true,
  // postgres-pool.ts keeps the marked writes of a transaction and sends them together.
  deferredWrites: true,
  // A transaction spends most of its time waiting for round trips: jobs in other lanes go on
  // meanwhile. Their row locks keep the order of all coordinators' (job, then its tasks).
  transactionLanes: 4,
  maxParameters: 60_000,
  serialType: 'bigserial',
  fullText: POSTGRES_FULL_TEXT,
  isUniqueViolation: (err) => err instanceof Error && 'code' in err && err.code === '23505',
};

/**
 * The datastore on PostgreSQL (pg, through Kysely), for distributed mode: any number of
 * coordinators share it. Every read-modify-write of a job or task reads the row `FOR UPDATE`;
 * a task's job row is locked before the task (see `sql/tasks.ts`), so that transactions of
 * different coordinators take their locks in one order and do not deadlock.
 *
 * Errors that say "try again" (deadlock, serialisation failure, lost connection, server
 * restarting) surface as `UnavailableError`: the broker redelivers the message whose handler
 * hit one, instead of the handler failing a task over it.
 *
 * `migrate()` is safe to run from several processes at once: Kysely's migrator holds a
 * PostgreSQL advisory lock while it applies the versioned migrations, each in a transaction.
 */
export class PostgresDatastore extends SqlDatastore {
  private readonly schema: string | undefined;

  constructor(options: PostgresDatastoreOptions) {
    if (!options?.dsn) throw new Error('PostgresDatastore: option `dsn` is required');
    if (options.schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.schema)) {
      throw new Error(`PostgresDatastore: schema "${options.schema}" must be letters, digits and _`);
    }
    const pool = createPool({
      dsn: options.dsn,
      max: options.maxConnections ?? 25,
      idleTimeoutMs: options.idleTimeoutMs ?? 300_000,
      maxLifetimeMs: options.maxLifetimeMs ?? 3_600_000,
      schema: options.schema,
      applicationName: options.applicationName ?? 'drover',
    });
    super({
      db: new Kysely<Database>({ dialect: new PostgresDialectWithRetryingScans({ pool }) }),
      capabilities: POSTGRES_CAPABILITIES,
      logger: options.logger,
      encryptionKey: options.encryptionKey,
    });
    this.schema = options.schema;
  }

  /**
   * Create or upgrade the schema. Kysely's migration tables live in the same schema as ours, so
   * that two schemas in one database (tests) each keep their own migration history.
   */
  override async migrate(): Promise<void> {
    const schema = this.schema ?? (await this.currentSchema());
    const migrator = new Migrator({
      db: this.db,
      provider: migrationProvider(this.caps),
      migrationTableSchema: schema,
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error) throw new Error('migrating the postgres datastore', { cause: coerceError(error) });
    const applied = (results ?? []).map((r) => r.migrationName);
    this.logger.info({ applied, schema }, applied.length > 0 ? 'datastore migrated' : 'datastore schema up to date');
  }

  /**
   * The migrations not applied yet, oldest first. A coordinator refuses to start while any is
   * pending: `drover migration` applies them.
   */
  async pendingMigrations(): Promise<string[]> {
    const schema = this.schema ?? (await this.currentSchema());
    const migrator = new Migrator({
      db: this.db,
      provider: migrationProvider(this.caps),
      migrationTableSchema: schema,
    });
    const migrations = await migrator.getMigrations();
    return migrations.filter((m) => m.executedAt === undefined).map((m) => m.name);
  }

  private async currentSchema(): Promise<string> {
    const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(this.db);
    return rows[0]?.schema ?? 'public';
  }
}

/** How often one catalog scan is tried while schemas it lists are dropped under it. */
const SCAN_ATTEMPTS = 20;

/**
 * Kysely's PostgreSQL introspection (which its migrator uses to find its own tables) lists every
 * schema of the database and asks `has_schema_privilege` of each by name: a schema that another
 * client drops between the two fails the whole scan with `schema "…" does not exist` (3F000),
 * and the migration with it. A scan only reads, so it is simply run again.
 */
class ScanRetryingIntrospector implements DatabaseIntrospector {
  constructor(private readonly inner: DatabaseIntrospector) {}

  getSchemas(): Promise<SchemaMetadata[]> {
    return retryScan(() => this.inner.getSchemas());
  }

  getTables(options?: DatabaseMetadataOptions): Promise<TableMetadata[]> {
    return retryScan(() => this.inner.getTables(options));
  }

  getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return retryScan(() => this.inner.getMetadata(options));
  }
}

async function retryScan<T>(scan: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await scan();
    } catch (err) {
      if (attempt >= SCAN_ATTEMPTS || (err as { code?: unknown }).code !== '3F000') throw err;
    }
  }
}

class PostgresDialectWithRetryingScans extends PostgresDialect {
  override createIntrospector(db: Parameters<PostgresDialect["createIntrospector"]>[0]): DatabaseIntrospector {
    return new ScanRetryingIntrospector(super.createIntrospector(db));
  }
}
