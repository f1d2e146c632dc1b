/**
 * Row ↔ model mapping, the only place that knows both shapes (STYLE §4). Columns are snake_case,
 * timestamps epoch milliseconds, JSON columns text (conversions in columns.ts).
 */
import type { Insertable, Selectable } from 'kysely';
import type { Job, JobContext, JobDefaults, Permission, Role, User } from '../../model/job.js';
import { rememberSecrets } from '../../model/known-secrets.js';
import type { TaskLogPart } from '../../model/log-part.js';
import type { Node } from '../../model/node.js';
import type { ScheduledJob } from '../../model/scheduled-job.js';
import type { JobState, NodeStatus, ScheduledJobState, TaskState } from '../../model/states.js';
import type { AutoDelete, Task, Webhook } from '../../model/task.js';
import type { WebhookDelivery } from '../datastore.js';
import {
  assignDefined,
  fromJson,
  fromOptionalJson,
  optionalJson,
  orUndefined,
  requireDate,
  stripNul,
  toDate,
  toJson,
  toMillis,
} from './columns.js';
import type {
  JobsTable,
  LogPartsTable,
  Millis,
  NodesTable,
  RolesTable,
  ScheduledJobsTable,
  TasksTable,
  UsersTable,
  WebhooksTable,
} from './tables.js';

/**
 * How a sealed column reads in clear: `json` (a sealed value that cannot be opened is an error)
 * or `text` (free text, which may legitimately start like a sealed value).
 */
export type SealedKind = 'json' | 'text';

/**
 * Secrets at rest (engine spec §12): every column that can hold a secret value, sealed with
 * AES-256-GCM when `datastore.encryption.key` is set (sealed-columns.ts applies this list to
 * every statement). Beyond Tork's `secrets` columns: the job details (the job context, where
 * Tork kept the secrets in clear, and evaluated webhook headers), the job result and error, the
 * task record (env, cmd and result hold evaluated secrets) and the webhook outbox headers.
 * Also the job inputs: not secret by definition, but a secret value may well be passed as one.
 * Not sealed: names, descriptions, states and tags (searched and filtered), and log parts (searched in full text; the logs handler masks secrets before storing them).
 */
export const SEALED_COLUMNS = {
  jobs: { secrets: 'json', inputs: 'json', details: 'json', result: 'text', error: 'text' },
  tasks: { data: 'json' },
  scheduled_jobs: { secrets: 'json', details: 'json' },
  webhooks: { headers: 'json' },
} as const satisfies Record<string, Record<string, SealedKind>>;

/**
 * The `secrets` column. Every secret that passes here is remembered so the server's own log
 * lines mask it (model/known-secrets.ts).
 */
export function secretsToColumn(secrets: Record<string, string> | undefined): string | null {
  rememberSecrets(secrets);
  return optionalJson(secrets);
}

export function secretsFromColumn(column: string | null): Record<string, string> | undefined {
  const secrets = fromOptionalJson<Record<string, string>>(column);
  rememberSecrets(secrets);
  return secrets;
}

// ---- users, roles, permissions -------------------------------------------------------------

export type UserRow = Selectable<UsersTable>;

export function userToRow(
  user: User & { passwordHash?: string },
  id: string,
  now: Date,
): Insertable<UsersTable> {
  return {
    id,
    name: user.name ?? null,
    username: user.username ?? id,
    password_hash: user.passwordHash ?? null,
    created_at: (user.createdAt ?? now).getTime(),
    disabled: user.disabled ? 1 : 0,
  };
}

export function userFromRow(row: UserRow): User & { passwordHash?: string } {
  const user: User & { passwordHash?: string } = userFromColumns(row);
  if (row.password_hash) user.passwordHash = row.password_hash;
  return user;
}

function userFromColumns(row: Pick<UserRow, 'id' | 'name' | 'username' | 'created_at' | 'disabled'>): User {
  const user: User = { id: row.id, username: row.username, createdAt: requireDate(row.created_at) };
  if (row.name !== null) user.name = row.name;
  // `disabled` is omitted when false, as on the wire.
  if (Number(row.disabled)) user.disabled = true;
  return user;
}

export function roleToRow(role: Role, id: string, now: Date): Insertable<RolesTable> {
  return {
    id,
    slug: role.slug ?? id,
    name: role.name ?? null,
    created_at: (role.createdAt ?? now).getTime(),
  };
}

export function roleFromRow(row: Selectable<RolesTable>): Role {
  const role: Role = { id: row.id, slug: row.slug, createdAt: requireDate(row.created_at) };
  if (row.name !== null) role.name = row.name;
  return role;
}

/** The creator's columns when a query left-joins `users` as the creator (`cb_*`). */
export interface CreatorColumns {
  cb_id: string | null;
  cb_name: string | null;
  cb_username: string | null;
  cb_created_at: Millis | null;
  cb_disabled: number | null;
}

function creatorFromRow(row: CreatorColumns, createdBy: string | null): User | undefined {
  if (row.cb_id === null || row.cb_username === null || row.cb_created_at === null) {
    return createdBy === null ? undefined : { id: createdBy };
  }
  return userFromColumns({
    id: row.cb_id,
    name: row.cb_name,
    username: row.cb_username,
    created_at: row.cb_created_at,
    disabled: row.cb_disabled ?? 0,
  });
}

/** A permission row left-joined with its user (`pu_*`) and role (`pr_*`). */
export interface PermissionRow {
  owner_id: string;
  pu_id: string | null;
  pu_name: string | null;
  pu_username: string | null;
  pu_created_at: Millis | null;
  pu_disabled: number | null;
  pr_id: string | null;
  pr_slug: string | null;
  pr_name: string | null;
  pr_created_at: Millis | null;
}

export function permissionFromRow(row: PermissionRow): Permission {
  if (row.pu_id !== null && row.pu_username !== null && row.pu_created_at !== null) {
    const user = { id: row.pu_id, name: row.pu_name, username: row.pu_username };
    return {
      user: userFromColumns({ ...user, created_at: row.pu_created_at, disabled: row.pu_disabled ?? 0 }),
    };
  }
  if (row.pr_id !== null && row.pr_slug !== null && row.pr_created_at !== null) {
    return {
      role: roleFromRow({
        id: row.pr_id,
        slug: row.pr_slug,
        name: row.pr_name,
        created_at: row.pr_created_at,
      }),
    };
  }
  return {};
}

// ---- jobs ----------------------------------------------------------------------------------

/** The heavy job fields that a summary leaves out, stored together as JSON. */
interface JobDetails {
  tasks: Task[];
  context: JobContext;
  output?: string;
  defaults?: JobDefaults;
  webhooks?: Webhook[];
  autoDelete?: AutoDelete;
}

export function jobToRow(job: Job, createdBy: string | null): Insertable<JobsTable> {
  return {
    id: job.id,
    ...jobUpdateToRow(job),
    created_at: job.createdAt.getTime(),
    created_by: createdBy,
    has_perms: job.permissions?.length ? 1 : 0,
  };
}

/** Every column an update may change. Not: id, creator, createdAt, permissions. */
export function jobUpdateToRow(
  job: Job,
): Omit<Insertable<JobsTable>, 'id' | 'created_at' | 'created_by' | 'has_perms'> {
  const details: JobDetails = {
    tasks: job.tasks,
    context: job.context,
    output: job.output,
    defaults: job.defaults,
    webhooks: job.webhooks,
    autoDelete: job.autoDelete,
  };
  return {
    parent_id: job.parentId ?? null,
    name: job.name ?? null,
    description: job.description ?? null,
    state: job.state,
    started_at: toMillis(job.startedAt),
    completed_at: toMillis(job.completedAt),
    failed_at: toMillis(job.failedAt),
    delete_at: toMillis(job.deleteAt),
    position: job.position,
    task_count: job.taskCount,
    progress: job.progress ?? null,
    scheduled_job_id: job.schedule?.id ?? null,
    tags: job.tags ? toJson(job.tags) : null,
    inputs: optionalJson(job.inputs),
    result: job.result ?? null,
    error: job.error ?? null,
    secrets: secretsToColumn(job.secrets),
    details: toJson(details),
  };
}

/** The `jobs` columns a summary reads (no `details`; `secrets` for redaction). */
export type JobSummaryRow = Omit<Selectable<JobsTable>, 'details' | 'seq' | 'has_perms'> &
  CreatorColumns;
export type JobRow = JobSummaryRow & Pick<Selectable<JobsTable>, 'details' | 'has_perms'>;

export function jobSummaryFromRow(row: JobSummaryRow): Job {
  const job: Job = {
    id: row.id,
    name: row.name ?? '',
    state: row.state as JobState,
    createdAt: requireDate(row.created_at),
    tasks: [],
    position: Number(row.position),
    context: {},
    taskCount: Number(row.task_count),
  };
  assignDefined(job, {
    parentId: orUndefined(row.parent_id),
    description: orUndefined(row.description),
    tags: fromOptionalJson<string[]>(row.tags),
    createdBy: creatorFromRow(row, row.created_by),
    startedAt: toDate(row.started_at),
    completedAt: toDate(row.completed_at),
    failedAt: toDate(row.failed_at),
    deleteAt: toDate(row.delete_at),
    inputs: fromOptionalJson<Record<string, string>>(row.inputs),
    result: orUndefined(row.result),
    error: orUndefined(row.error),
    progress: row.progress === null ? undefined : Number(row.progress),
    schedule: row.scheduled_job_id === null ? undefined : { id: row.scheduled_job_id },
    secrets: secretsFromColumn(row.secrets),
  });
  return job;
}

export function jobFromRow(row: JobRow, permissions: Permission[]): Job {
  const job = jobSummaryFromRow(row);
  const details = fromJson<JobDetails>(row.details);
  job.tasks = details.tasks;
  job.context = details.context;
  assignDefined(job, {
    output: details.output,
    defaults: details.defaults,
    webhooks: details.webhooks,
    autoDelete: details.autoDelete,
    permissions: permissions.length > 0 ? permissions : undefined,
  });
  return job;
}

// ---- tasks ---------------------------------------------------------------------------------

export function taskToRow(task: Task): Insertable<TasksTable> {
  const { id, jobId, parentId, position, state, nodeId, ...rest } = task;
  const { createdAt, scheduledAt, startedAt, completedAt, failedAt, ...data } = rest;
  if (!id) throw new Error('a stored task needs an id');
  if (data.error !== undefined) data.error = stripNul(data.error);
  if (data.result !== undefined) data.result = stripNul(data.result);
  return {
    id,
    job_id: jobId ?? null,
    parent_id: parentId ?? null,
    position: position ?? null,
    state: state ?? null,
    node_id: nodeId ?? null,
    created_at: toMillis(createdAt),
    scheduled_at: toMillis(scheduledAt),
    started_at: toMillis(startedAt),
    completed_at: toMillis(completedAt),
    failed_at: toMillis(failedAt),
    data: toJson(data),
  };
}

export function taskFromRow(row: Selectable<TasksTable>): Task {
  const task: Task = { id: row.id };
  assignDefined(task, {
    jobId: orUndefined(row.job_id),
    parentId: orUndefined(row.parent_id),
    position: row.position === null ? undefined : Number(row.position),
    state: orUndefined(row.state) as TaskState | undefined,
    nodeId: orUndefined(row.node_id),
    createdAt: toDate(row.created_at),
    scheduledAt: toDate(row.scheduled_at),
    startedAt: toDate(row.started_at),
    completedAt: toDate(row.completed_at),
    failedAt: toDate(row.failed_at),
  });
  return Object.assign(task, fromJson<Task>(row.data));
}

// ---- log parts -----------------------------------------------------------------------------

export function logPartToRow(part: TaskLogPart, id: string, now: Date): Insertable<LogPartsTable> {
  return {
    id,
    task_id: part.taskId,
    number: part.number,
    contents: stripNul(part.contents) ?? '',
    created_at: (part.createdAt ?? now).getTime(),
  };
}

export function logPartFromRow(row: Omit<Selectable<LogPartsTable>, 'seq'>): TaskLogPart {
  return {
    id: row.id,
    number: Number(row.number),
    taskId: row.task_id,
    contents: row.contents,
    createdAt: requireDate(row.created_at),
  };
}

// ---- nodes ---------------------------------------------------------------------------------

export function nodeToRow(node: Node): Insertable<NodesTable> {
  return {
    id: node.id,
    name: node.name,
    queue: node.queue ?? null,
    started_at: node.startedAt.getTime(),
    last_heartbeat_at: node.lastHeartbeatAt.getTime(),
    cpu_percent: node.cpuPercent ?? null,
    status: node.status,
    hostname: node.hostname ?? null,
    port: node.port ?? null,
    task_count: node.taskCount ?? null,
    version: node.version,
  };
}

export function nodeFromRow(row: Selectable<NodesTable>): Node {
  const node: Node = {
    id: row.id,
    name: row.name,
    startedAt: requireDate(row.started_at),
    lastHeartbeatAt: requireDate(row.last_heartbeat_at),
    status: row.status as NodeStatus,
    version: row.version,
  };
  assignDefined(node, {
    cpuPercent: row.cpu_percent === null ? undefined : Number(row.cpu_percent),
    queue: orUndefined(row.queue),
    hostname: orUndefined(row.hostname),
    port: row.port === null ? undefined : Number(row.port),
    taskCount: row.task_count === null ? undefined : Number(row.task_count),
  });
  return node;
}

// ---- scheduled jobs ------------------------------------------------------------------------

interface ScheduledJobDetails {
  tasks: Task[];
  inputs?: Record<string, string>;
  defaults?: JobDefaults;
  autoDelete?: AutoDelete;
  webhooks?: Webhook[];
  output?: string;
}

export function scheduledJobToRow(
  job: ScheduledJob,
  createdBy: string | null,
): Insertable<ScheduledJobsTable> {
  return {
    id: job.id,
    ...scheduledJobUpdateToRow(job),
    created_at: job.createdAt.getTime(),
    created_by: createdBy,
    has_perms: job.permissions?.length ? 1 : 0,
  };
}

/** Every column an update may change. Not: id, creator, createdAt, permissions. */
export function scheduledJobUpdateToRow(
  job: ScheduledJob,
): Omit<Insertable<ScheduledJobsTable>, 'id' | 'created_at' | 'created_by' | 'has_perms'> {
  const details: ScheduledJobDetails = {
    tasks: job.tasks,
    inputs: job.inputs,
    defaults: job.defaults,
    autoDelete: job.autoDelete,
    webhooks: job.webhooks,
    output: job.output,
  };
  return {
    name: job.name,
    description: job.description ?? null,
    cron: job.cron,
    state: job.state,
    tags: job.tags ? toJson(job.tags) : null,
    secrets: secretsToColumn(job.secrets),
    details: toJson(details),
  };
}

export type ScheduledJobRow = Selectable<ScheduledJobsTable> & CreatorColumns;

export function scheduledJobFromRow(row: ScheduledJobRow, permissions: Permission[]): ScheduledJob {
  const details = fromJson<ScheduledJobDetails>(row.details);
  const job: ScheduledJob = {
    id: row.id,
    name: row.name,
    cron: row.cron,
    state: row.state as ScheduledJobState,
    tasks: details.tasks,
    createdAt: requireDate(row.created_at),
  };
  assignDefined(job, {
    description: orUndefined(row.description),
    inputs: details.inputs,
    createdBy: creatorFromRow(row, row.created_by),
    defaults: details.defaults,
    autoDelete: details.autoDelete,
    webhooks: details.webhooks,
    permissions: permissions.length > 0 ? permissions : undefined,
    tags: fromOptionalJson<string[]>(row.tags),
    secrets: secretsFromColumn(row.secrets),
    output: details.output,
  });
  return job;
}

// ---- webhook outbox ------------------------------------------------------------------------

export function webhookToRow(delivery: WebhookDelivery): Insertable<WebhooksTable> {
  return {
    id: delivery.id,
    job_id: delivery.jobId,
    event: delivery.event,
    url: delivery.url,
    headers: toJson(delivery.headers),
    body: delivery.body,
    attempts: delivery.attempts,
    state: delivery.state,
    next_attempt_at: delivery.nextAttemptAt.getTime(),
    created_at: delivery.createdAt.getTime(),
    last_error: delivery.lastError ?? null,
    delivered_at: toMillis(delivery.deliveredAt),
  };
}

/** The columns of a partial update; a key present with `undefined` clears the column. */
export function webhookPatchToRow(
  patch: Partial<Pick<WebhookDelivery, 'state' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'deliveredAt'>>,
): Partial<Insertable<WebhooksTable>> {
  const row: Partial<Insertable<WebhooksTable>> = {};
  if (patch.state !== undefined) row.state = patch.state;
  if (patch.attempts !== undefined) row.attempts = patch.attempts;
  if (patch.nextAttemptAt !== undefined) row.next_attempt_at = patch.nextAttemptAt.getTime();
  if ('lastError' in patch) row.last_error = patch.lastError ?? null;
  if ('deliveredAt' in patch) row.delivered_at = toMillis(patch.deliveredAt);
  return row;
}

export function webhookFromRow(row: Selectable<WebhooksTable>): WebhookDelivery {
  const delivery: WebhookDelivery = {
    id: row.id,
    jobId: row.job_id,
    event: row.event,
    url: row.url,
    headers: fromJson<Record<string, string>>(row.headers),
    body: row.body,
    attempts: Number(row.attempts),
    state: row.state as WebhookDelivery['state'],
    nextAttemptAt: requireDate(row.next_attempt_at),
    createdAt: requireDate(row.created_at),
  };
  assignDefined(delivery, { lastError: orUndefined(row.last_error), deliveredAt: toDate(row.delivered_at) });
  return delivery;
}
