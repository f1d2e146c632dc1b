import type { Kysely } from 'kysely';
import type { Page } from '../../model/page.js';
import type { ScheduledJob } from '../../model/scheduled-job.js';
import type { Modify, PageRequest } from '../datastore.js';
import type { SqlCapabilities } from './capabilities.js';
import { changedColumns } from './columns.js';
import { deleteJobs, selectInstanceIds } from './jobs.js';
import { pageBounds, pageOf } from './paging.js';
import {
  scheduledJobFromRow,
  scheduledJobToRow,
  scheduledJobUpdateToRow,
  type ScheduledJobRow,
} from './records.js';
import type { Database } from './tables.js';
import {
  CREATOR_COLUMNS,
  resolvePermissionIds,
  selectPermissions,
  visibleTo,
  type PermsTable,
} from './users.js';

type Db = Kysely<Database>;

const SCHEDULED_JOB_PERMS: PermsTable = { table: 'scheduled_jobs_perms', owner: 'scheduled_job_id' };

/** Insert a scheduled job with its permissions. Run inside a transaction. */
export async function insertScheduledJob(db: Db, job: ScheduledJob, creatorId: string | null): Promise<void> {
  const perms = job.permissions?.length ? await resolvePermissionIds(db, job.permissions) : [];
  await db.insertInto('scheduled_jobs').values(scheduledJobToRow(job, creatorId)).execute();
  if (perms.length > 0) {
    await db
      .insertInto('scheduled_jobs_perms')
      .values(perms.map((p) => ({ scheduled_job_id: job.id, ...p })))
      .execute();
  }
}

function selectRows(db: Db) {
  return db
    .selectFrom('scheduled_jobs')
    .leftJoin('users as cb', 'cb.id', 'scheduled_jobs.created_by')
    .selectAll('scheduled_jobs')
    .select(CREATOR_COLUMNS);
}

function selectRow(db: Db, caps: SqlCapabilities, id: string, lock: boolean) {
  return selectRows(db)
    .where('scheduled_jobs.id', '=', id)
    .$if(lock && caps.rowLocks, (qb) => qb.forUpdate('scheduled_jobs'))
    .executeTakeFirst();
}

export async function selectScheduledJob(
  db: Db,
  caps: SqlCapabilities,
  id: string,
): Promise<ScheduledJob | undefined> {
  const row = await selectRow(db, caps, id, false);
  if (!row) return undefined;
  const [job] = await withPermissions(db, [row]);
  return job;
}

/** Read under lock, apply `modify`, write back the columns that changed. Run inside a transaction. */
export async function modifyScheduledJob(
  db: Db,
  caps: SqlCapabilities,
  id: string,
  modify: Modify<ScheduledJob>,
): Promise<ScheduledJob | undefined> {
  const row = await selectRow(db, caps, id, true);
  if (!row) return undefined;
  const [job] = await withPermissions(db, [row]);
  await modify(job!);
  job!.id = id;
  const changed = changedColumns(row, scheduledJobUpdateToRow(job!));
  if (changed) await db.updateTable('scheduled_jobs').set(changed).where('id', '=', id).execute();
  return job;
}

async function withPermissions(db: Db, rows: ScheduledJobRow[]): Promise<ScheduledJob[]> {
  const ids = rows.filter((row) => Number(row.has_perms)).map((row) => row.id);
  const perms = await selectPermissions(db, SCHEDULED_JOB_PERMS, ids);
  return rows.map((row) => scheduledJobFromRow(row, perms.get(row.id) ?? []));
}

/** Newest first, with the permission filter of job lists when `username` is set. */
export async function listScheduledJobs(
  db: Db,
  query: PageRequest & { username?: string },
): Promise<Page<ScheduledJob>> {
  const bounds = pageBounds(query);
  const filtered = db
    .selectFrom('scheduled_jobs')
    .$if(query.username !== undefined, (qb) =>
      qb.where(visibleTo('scheduled_jobs', SCHEDULED_JOB_PERMS, query.username!)),
    );
  const { total } = await filtered.select((eb) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow();
  const totalItems = Number(total);
  if (bounds.offset >= totalItems) return pageOf([], totalItems, bounds);
  const rows = await filtered
    .leftJoin('users as cb', 'cb.id', 'scheduled_jobs.created_by')
    .selectAll('scheduled_jobs')
    .select(CREATOR_COLUMNS)
    .orderBy('scheduled_jobs.created_at', 'desc')
    .orderBy('scheduled_jobs.id', 'desc')
    .limit(bounds.limit)
    .offset(bounds.offset)
    .execute();
  return pageOf(await withPermissions(db, rows), totalItems, bounds);
}

export async function listActiveScheduledJobs(db: Db): Promise<ScheduledJob[]> {
  const rows = await selectRows(db)
    .where('scheduled_jobs.state', '=', 'ACTIVE')
    .orderBy('scheduled_jobs.created_at')
    .orderBy('scheduled_jobs.id')
    .execute();
  return withPermissions(db, rows);
}

/** Delete the schedule, its permissions and every job it created. Run inside a transaction. */
export async function deleteScheduledJob(db: Db, id: string): Promise<number> {
  await deleteJobs(db, await selectInstanceIds(db, id));
  await db.deleteFrom('scheduled_jobs_perms').where('scheduled_job_id', '=', id).execute();
  const result = await db.deleteFrom('scheduled_jobs').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows);
}
