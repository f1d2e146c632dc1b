import type { Generated } from 'kysely';

/**
 * The stored shape: one interface per table, snake_case columns. Timestamps are epoch
 * milliseconds (`bigint` columns; PostgreSQL's driver hands them back as strings, which
 * `records.ts` accepts). JSON columns hold text, never a driver-specific JSON type, so that every
 * back end reads them the same way. Booleans are 0/1.
 */
export interface Database {
  jobs: JobsTable;
  job_tags: JobTagsTable;
  jobs_perms: PermsTable & { job_id: string };
  tasks: TasksTable;
  tasks_log_parts: LogPartsTable;
  nodes: NodesTable;
  scheduled_jobs: ScheduledJobsTable;
  scheduled_jobs_perms: PermsTable & { scheduled_job_id: string };
  users: UsersTable;
  roles: RolesTable;
  users_roles: UsersRolesTable;
  locks: LocksTable;
  webhooks: WebhooksTable;
}

/** Epoch milliseconds as the driver returns them. */
export type Millis = number | string;

export interface JobsTable {
  /** Row number that the full-text index points at (stable across VACUUM). */
  seq: Generated<number>;
  id: string;
  parent_id: string | null;
  name: string | null;
  description: string | null;
  state: string;
  created_at: Millis;
  created_by: string | null;
  started_at: Millis | null;
  completed_at: Millis | null;
  failed_at: Millis | null;
  delete_at: Millis | null;
  position: number;
  task_count: number;
  progress: number | null;
  scheduled_job_id: string | null;
  /** 1 when the job has rows in `jobs_perms` (saves a lookup per job in the permission filter). */
  has_perms: number;
  /** JSON string[]; `job_tags` holds the same tags, indexed. */
  tags: string | null;
  /** JSON map. */
  inputs: string | null;
  result: string | null;
  error: string | null;
  /** JSON map, in its own column so that encryption at rest has one place to act. */
  secrets: string | null;
  /** JSON of the heavy fields a summary leaves out (`JobDetails` in records.ts). */
  details: string;
}

export interface JobTagsTable {
  job_id: string;
  tag: string;
}

export interface PermsTable {
  user_id: string | null;
  role_id: string | null;
}

export interface TasksTable {
  /** Insertion order: breaks ties between tasks created in the same millisecond (list order). */
  seq: Generated<number>;
  id: string;
  job_id: string | null;
  parent_id: string | null;
  position: number | null;
  state: string | null;
  node_id: string | null;
  created_at: Millis | null;
  scheduled_at: Millis | null;
  started_at: Millis | null;
  completed_at: Millis | null;
  failed_at: Millis | null;
  /** JSON of every other task field. */
  data: string;
}

export interface LogPartsTable {
  seq: Generated<number>;
  id: string;
  task_id: string;
  number: number;
  contents: string;
  created_at: Millis;
}

export interface NodesTable {
  id: string;
  name: string;
  queue: string | null;
  started_at: Millis;
  last_heartbeat_at: Millis;
  cpu_percent: number | null;
  status: string;
  hostname: string | null;
  port: number | null;
  task_count: number | null;
  version: string;
}

export interface ScheduledJobsTable {
  id: string;
  name: string;
  description: string | null;
  cron: string;
  state: string;
  created_at: Millis;
  created_by: string | null;
  has_perms: number;
  tags: string | null;
  secrets: string | null;
  /** JSON of the other fields (`ScheduledJobDetails` in records.ts). */
  details: string;
}

export interface UsersTable {
  id: string;
  name: string | null;
  username: string;
  password_hash: string | null;
  created_at: Millis;
  disabled: number;
}

export interface RolesTable {
  id: string;
  slug: string;
  name: string | null;
  created_at: Millis;
}

export interface UsersRolesTable {
  user_id: string;
  role_id: string;
  created_at: Millis;
}

export interface LocksTable {
  key: string;
  claimed_at: Millis;
}

/** The webhook outbox. */
export interface WebhooksTable {
  id: string;
  job_id: string;
  event: string;
  url: string;
  /** JSON map. */
  headers: string;
  body: string;
  attempts: number;
  state: string;
  next_attempt_at: Millis;
  created_at: Millis;
  last_error: string | null;
  delivered_at: Millis | null;
}
