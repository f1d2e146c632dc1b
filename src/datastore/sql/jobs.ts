import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { Job } from '../../model/job.js';
import type { Page } from '../../model/page.js';
import type { JobState } from '../../model/states.js';
import type { JobQuery, Modify } from '../datastore.js';
import type { SqlCapabilities } from './capabilities.js';
import { changedColumns } from './columns.js';
import { pageBounds, pageOf } from './paging.js';
import { jobFromRow, jobSummaryFromRow, jobToRow, jobUpdateToRow, type JobRow } from './records.js';
import { reusableQuery } from './reusable-query.js';
import { updateById } from './row-writes.js';
import { deferrable, type TransactionScope } from './transaction-scope.js';
import { parseSearch } from './search.js';
import type { Database } from './tables.js';
import { deleteFinishedWebhooksOf } from './webhooks.js';
import {
  CREATOR_COLUMNS,
  resolvePermissionIds,
  selectPermissions,
  visibleTo,
  type PermsTable,
} from './users.js';

type Db = Kysely<Database>;

const JOB_PERMS: PermsTable = { table: 'jobs_perms', owner: 'job_id' };
const TERMINAL_STATES: JobState[] = ['COMPLETED', 'FAILED', 'CANCELLED'];
/**
 * From this many text matches on, a page of search results is found by walking the jobs newest
 * first (`matchManyJobs`): sorting every match would cost more than testing rows until the page
 * is full. Below it, the matches are few enough to sort.
 */
const MANY_MATCHES = 10_000;
/** Ids per `IN (…)` list when deleting many jobs: far below every back end's parameter limit. */
const DELETE_CHUNK = 500;

/** The `jobs` columns a summary reads (also used by `ui-reads.ts`). */
export const SUMMARY_COLUMNS = [
  'jobs.id',
  'jobs.parent_id',
  'jobs.name',
  'jobs.description',
  'jobs.state',
  'jobs.created_at',
  'jobs.created_by',
  'jobs.started_at',
  'jobs.completed_at',
  'jobs.failed_at',
  'jobs.delete_at',
  'jobs.position',
  'jobs.task_count',
  'jobs.progress',
  'jobs.scheduled_job_id',
  'jobs.tags',
  'jobs.inputs',
  'jobs.result',
  'jobs.error',
  // Summaries carry the secrets too, so that their inputs and result can be redacted by value.
  'jobs.secrets',
] as const;

/** The `jobs` columns of a whole job (also read by `tasks.ts`, with a task under lock). */
export const FULL_COLUMNS = [...SUMMARY_COLUMNS, 'jobs.details', 'jobs.has_perms'] as const;

/** Insert a job with its tags and permissions. Run inside a transaction. */
export async function insertJob(db: Db, job: Job, creatorId: string | null, scope?: TransactionScope): Promise<void> {
  const perms = job.permissions?.length ? await resolvePermissionIds(db, job.permissions) : [];
  await deferrable(db.insertInto('jobs').values(jobToRow(job, creatorId)), scope).execute();
  await insertTags(db, job.id, job.tags, scope);
  if (perms.length > 0) {
    await deferrable(db.insertInto('jobs_perms').values(perms.map((p) => ({ job_id: job.id, ...p }))), scope).execute();
  }
}

async function insertTags(db: Db, jobId: string, tags: string[] | undefined, scope?: TransactionScope): Promise<void> {
  const unique = [...new Set(tags ?? [])];
  if (unique.length === 0) return;
  await deferrable(db.insertInto('job_tags').values(unique.map((tag) => ({ job_id: jobId, tag }))), scope).execute();
}

function jobRowQuery(db: Db, id: string) {
  return db
    .selectFrom('jobs')
    .leftJoin('users as cb', 'cb.id', 'jobs.created_by')
    .select([...FULL_COLUMNS, ...CREATOR_COLUMNS])
    .where('jobs.id', '=', id);
}

/** Compiled once: `GET /jobs/{id}` runs the first on every request, the engine both per task. */
const selectJobRows = reusableQuery(1, jobRowQuery);
const selectJobRowsForUpdate = reusableQuery(1, (db: Db, id: string) => jobRowQuery(db, id).forUpdate('jobs'));

async function selectJobRow(db: Db, caps: SqlCapabilities, id: string, lock: boolean) {
  const [row] = await (lock && caps.rowLocks ? selectJobRowsForUpdate(db, id) : selectJobRows(db, id));
  return row;
}

export async function selectJob(db: Db, caps: SqlCapabilities, id: string): Promise<Job | undefined> {
  const row = await selectJobRow(db, caps, id, false);
  if (!row) return undefined;
  const [job] = await withPermissions(db, [row]);
  return job;
}

/**
 * Read a job under lock (or take the row this transaction already holds locked, from `scope`),
 * apply `modify`, write back the columns that changed (see
 * `jobUpdateToRow` for what an update can change) and re-index its tags if they changed. Returns
 * the job as written, or undefined when there is no such job. Run inside a transaction.
 */
export async function modifyJob(
  db: Db,
  caps: SqlCapabilities,
  id: string,
  modify: Modify<Job>,
  scope?: TransactionScope,
): Promise<Job | undefined> {
  const row = scope?.lockedJobs.get(id) ?? (await selectJobRow(db, caps, id, true));
  if (!row) return undefined;
  const [job] = await withPermissions(db, [row]);
  await modify(job!);
  job!.id = id;
  const changed = changedColumns(row, jobUpdateToRow(job!));
  if (changed) await updateById(db, 'jobs', id, changed, scope);
  // The columns written are in the form the table holds them: the merge is the row as stored now.
  scope?.lockedJobs.remember(changed ? ({ ...row, ...changed } as JobRow) : row);
  if (changed?.tags !== undefined) {
    await db.deleteFrom('job_tags').where('job_id', '=', id).execute();
    await insertTags(db, id, job!.tags, scope);
  }
  return job;
}

/** Map full rows to jobs, loading the permissions of those that have any in one query. */
async function withPermissions(db: Db, rows: JobRow[]): Promise<Job[]> {
  const ids = rows.filter((row) => Number(row.has_perms)).map((row) => row.id);
  const perms = await selectPermissions(db, JOB_PERMS, ids);
  return rows.map((row) => jobFromRow(row, perms.get(row.id) ?? []));
}

/** Job summaries, newest first, filtered by tags, full text and permissions (api spec §3.3). */
export async function listJobs(db: Db, caps: SqlCapabilities, query: JobQuery): Promise<Page<Job>> {
  const bounds = pageBounds(query);
  const search = parseSearch(query.q);
  const match = search.terms ? caps.fullText.matchJobs(search.terms) : undefined;
  const filter = (text: Expression<SqlBool> | undefined) =>
    db
      .selectFrom('jobs')
      .$if(search.tags.length > 0, (qb) =>
        qb.where(
          'jobs.id',
          'in',
          db.selectFrom('job_tags').select('job_tags.job_id').where('tag', 'in', search.tags),
        ),
      )
      .$if(text !== undefined, (qb) => qb.where(text!))
      .$if(query.username !== undefined, (qb) => qb.where(visibleTo('jobs', JOB_PERMS, query.username!)));
  const onlyText = match !== undefined && search.tags.length === 0 && query.username === undefined;
  const totalItems =
    onlyText && caps.fullText.countJobMatches
      ? await caps.fullText.countJobMatches(db, search.terms)
      : Number((await filter(match).select((eb) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow()).total);
  if (bounds.offset >= totalItems) return pageOf([], totalItems, bounds);
  // Text alone: the back end may find the page among the newest matches of its index.
  const newest = onlyText
    ? await caps.fullText.newestJobMatches?.(db, search.terms, bounds.offset, bounds.limit)
    : undefined;
  if (newest?.length === 0) return pageOf([], totalItems, bounds);
  // With many matches, walking the jobs newest first beats sorting every match (a million jobs).
  const many = !newest && totalItems >= MANY_MATCHES ? caps.fullText.matchManyJobs?.(search.terms) : undefined;
  const rows = await filter(newest ? sql<SqlBool>`jobs.seq in (${sql.join(newest)})` : (many ?? match))
    .leftJoin('users as cb', 'cb.id', 'jobs.created_by')
    .select([...SUMMARY_COLUMNS, ...CREATOR_COLUMNS])
    .orderBy('jobs.created_at', 'desc')
    .orderBy('jobs.seq', 'desc')
    .limit(bounds.limit)
    .offset(newest ? 0 : bounds.offset)
    .execute();
  return pageOf(rows.map(jobSummaryFromRow), totalItems, bounds);
}

/** Full jobs in these states, oldest first. */
export async function listJobsByState(db: Db, states: JobState[], limit: number): Promise<Job[]> {
  if (states.length === 0) return [];
  const rows = await db
    .selectFrom('jobs')
    .leftJoin('users as cb', 'cb.id', 'jobs.created_by')
    .select([...FULL_COLUMNS, ...CREATOR_COLUMNS])
    .where('jobs.state', 'in', states)
    .orderBy('jobs.created_at')
    .orderBy('jobs.seq')
    .limit(limit)
    .execute();
  return withPermissions(db, rows);
}

export async function countJobsInState(db: Db, state: JobState): Promise<number> {
  const row = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('state', '=', state)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Ids of the jobs a scheduled job created. */
export async function selectInstanceIds(db: Db, scheduledJobId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('jobs')
    .select('id')
    .where('scheduled_job_id', '=', scheduledJobId)
    .execute();
  return rows.map((row) => row.id);
}

/**
 * Delete jobs with their tags, permissions, tasks, log parts and finished webhook deliveries (not
 * their sub-jobs). Returns how many jobs were deleted.
 */
export async function deleteJobs(db: Db, ids: string[]): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < ids.length; i += DELETE_CHUNK) {
    const chunk = ids.slice(i, i + DELETE_CHUNK);
    const taskIds = db.selectFrom('tasks').select('tasks.id').where('tasks.job_id', 'in', chunk);
    await db.deleteFrom('tasks_log_parts').where('task_id', 'in', taskIds).execute();
    await db.deleteFrom('tasks').where('job_id', 'in', chunk).execute();
    await db.deleteFrom('jobs_perms').where('job_id', 'in', chunk).execute();
    await db.deleteFrom('job_tags').where('job_id', 'in', chunk).execute();
    await deleteFinishedWebhooksOf(db, chunk);
    const result = await db.deleteFrom('jobs').where('id', 'in', chunk).executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}

/** Retention (engine spec §14): jobs past `deleteAt`, or finished and created before `before`. */
export async function purgeJobs(db: Db, now: Date, before: Date, limit: number): Promise<number> {
  const rows = await db
    .selectFrom('jobs')
    .select('id')
    .where((eb) =>
      eb.or([
        eb('delete_at', '<', now.getTime()),
        eb.and([eb('created_at', '<', before.getTime()), eb('state', 'in', TERMINAL_STATES)]),
      ]),
    )
    .limit(limit)
    .execute();
  return deleteJobs(
    db,
    rows.map((row) => row.id),
  );
}

const selectJobStateRows = reusableQuery(1, (db: Db, id: string) =>
  db.selectFrom('jobs').select('state').where('id', '=', id),
);

/** A job's state, without its creator, permissions or details (read for every task started). */
export async function selectJobState(db: Db, id: string): Promise<JobState | undefined> {
  const [row] = await selectJobStateRows(db, id);
  return row?.state as JobState | undefined;
}
