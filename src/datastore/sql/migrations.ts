import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { newId } from '../../model/ids.js';
import type { SqlCapabilities } from './capabilities.js';

/**
 * The schema, as versioned Kysely migrations shared by every SQL back end. Names sort in the order
 * they run; a released migration is never edited, only followed by a new one.
 *
 * Types are the portable subset: `text`, `integer`, `bigint` (epoch ms), `double precision`.
 * What cannot be portable (the `seq` key type, full-text search) comes from the capabilities.
 */
export function migrationProvider(caps: SqlCapabilities): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001_initial': {
      up: async (db) => {
        await createTables(db, caps);
        await createIndexes(db);
        await caps.fullText.createSchema(db);
        await seedUsersAndRoles(db);
      },
    },
    '0002_locks_and_webhooks': {
      up: async (db) => {
        await createLocksAndWebhooks(db);
      },
    },
    '0003_jobs_creation_order': {
      up: async (db) => {
        await caps.fullText.createCreationOrderSchema?.(db);
      },
    },
  };
  return { getMigrations: () => Promise.resolve(migrations) };
}

/** Table names as `Kysely<unknown>` needs them in raw SQL. */
const t = (name: string) => sql.table(name);

async function createTables(db: Kysely<unknown>, caps: SqlCapabilities): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('seq', caps.serialType, (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('parent_id', 'text')
    .addColumn('name', 'text')
    .addColumn('description', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('started_at', 'bigint')
    .addColumn('completed_at', 'bigint')
    .addColumn('failed_at', 'bigint')
    .addColumn('delete_at', 'bigint')
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('task_count', 'integer', (c) => c.notNull())
    .addColumn('progress', 'double precision')
    .addColumn('scheduled_job_id', 'text')
    .addColumn('has_perms', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('tags', 'text')
    .addColumn('inputs', 'text')
    .addColumn('result', 'text')
    .addColumn('error', 'text')
    .addColumn('secrets', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('job_tags')
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('tag', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('job_tags_pk', ['job_id', 'tag'])
    .execute();
  await createPermsTable(db, 'jobs_perms', 'job_id');
  await db.schema
    .createTable('tasks')
    .addColumn('seq', caps.serialType, (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('job_id', 'text')
    .addColumn('parent_id', 'text')
    .addColumn('position', 'integer')
    .addColumn('state', 'text')
    .addColumn('node_id', 'text')
    .addColumn('created_at', 'bigint')
    .addColumn('scheduled_at', 'bigint')
    .addColumn('started_at', 'bigint')
    .addColumn('completed_at', 'bigint')
    .addColumn('failed_at', 'bigint')
    .addColumn('data', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('tasks_log_parts')
    .addColumn('seq', caps.serialType, (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('task_id', 'text', (c) => c.notNull())
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('contents', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await createOtherTables(db);
}

async function createOtherTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('nodes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('queue', 'text')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('last_heartbeat_at', 'bigint', (c) => c.notNull())
    .addColumn('cpu_percent', 'double precision')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('hostname', 'text')
    .addColumn('port', 'integer')
    .addColumn('task_count', 'integer')
    .addColumn('version', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('scheduled_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('cron', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('has_perms', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('tags', 'text')
    .addColumn('secrets', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  await createPermsTable(db, 'scheduled_jobs_perms', 'scheduled_job_id');
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text')
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('roles')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('users_roles')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('role_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('users_roles_pk', ['user_id', 'role_id'])
    .execute();
}

async function createPermsTable(db: Kysely<unknown>, table: string, ownerColumn: string): Promise<void> {
  await db.schema
    .createTable(table)
    .addColumn(ownerColumn, 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('role_id', 'text')
    .execute();
  await db.schema.createIndex(`${table}_owner_idx`).on(table).column(ownerColumn).execute();
  await db.schema.createIndex(`${table}_user_idx`).on(table).column('user_id').execute();
  await db.schema.createIndex(`${table}_role_idx`).on(table).column('role_id').execute();
}

/** One index per query that filters or sorts (the list in ARCHITECTURE "Performance rules"). */
async function createIndexes(db: Kysely<unknown>): Promise<void> {
  const indexes: [name: string, table: string, columns: string[]][] = [
    ['jobs_created_at_idx', 'jobs', ['created_at', 'seq']],
    ['jobs_state_idx', 'jobs', ['state', 'created_at']],
    ['jobs_delete_at_idx', 'jobs', ['delete_at']],
    ['jobs_parent_id_idx', 'jobs', ['parent_id']],
    ['jobs_scheduled_job_id_idx', 'jobs', ['scheduled_job_id']],
    ['job_tags_tag_idx', 'job_tags', ['tag']],
    ['tasks_job_id_idx', 'tasks', ['job_id', 'position']],
    ['tasks_parent_id_idx', 'tasks', ['parent_id', 'state', 'created_at']],
    ['tasks_state_idx', 'tasks', ['state']],
    ['tasks_log_parts_task_id_idx', 'tasks_log_parts', ['task_id', 'number']],
    ['tasks_log_parts_created_at_idx', 'tasks_log_parts', ['created_at']],
    ['nodes_last_heartbeat_at_idx', 'nodes', ['last_heartbeat_at']],
    ['scheduled_jobs_created_at_idx', 'scheduled_jobs', ['created_at']],
    ['scheduled_jobs_state_idx', 'scheduled_jobs', ['state']],
  ];
  for (const [name, table, columns] of indexes) {
    await db.schema.createIndex(name).on(table).columns(columns).execute();
  }
}

/** The built-in `guest` user (creator of anonymous jobs) and `public` role (api spec §2.12). */
async function seedUsersAndRoles(db: Kysely<unknown>): Promise<void> {
  const now = Date.now();
  await sql`insert into ${t('users')} (id, name, username, password_hash, created_at, disabled)
    values (${newId()}, 'Guest', 'guest', null, ${now}, 1)`.execute(db);
  await sql`insert into ${t('roles')} (id, slug, name, created_at)
    values (${newId()}, 'public', 'Public', ${now})`.execute(db);
}

/** Tick locks of scheduled jobs, and the durable webhook outbox. */
async function createLocksAndWebhooks(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('locks')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('claimed_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('locks_claimed_at_idx').on('locks').column('claimed_at').execute();
  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('headers', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('delivered_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('webhooks_due_idx')
    .on('webhooks')
    .columns(['state', 'next_attempt_at'])
    .execute();
  await db.schema.createIndex('webhooks_job_id_idx').on('webhooks').column('job_id').execute();
  await db.schema.createIndex('webhooks_created_at_idx').on('webhooks').column('created_at').execute();
}
