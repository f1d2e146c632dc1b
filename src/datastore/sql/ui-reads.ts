/**
 * Reads for the built-in web UI (`/ui/api`): log ranges by insertion position, log counts, and
 * the job list with the filters and keyset paging Tork's list lacks. Portable SQL only: the
 * same statements run on SQLite and PostgreSQL.
 */
import { sql, type Kysely, type SqlBool } from 'kysely';
import type { Job } from '../../model/job.js';
import type { JobList, JobListQuery, LogChunk, LogChunkQuery, LogScope, LogStats } from '../datastore.js';
import type { SqlCapabilities } from './capabilities.js';
import { SUMMARY_COLUMNS } from './jobs.js';
import { jobSummaryFromRow, logPartFromRow } from './records.js';
import { parseSearch } from './search.js';
import type { Database } from './tables.js';
import { CREATOR_COLUMNS, visibleTo } from './users.js';

type Db = Kysely<Database>;

/** The parts of one scope. A job's parts are found through its tasks (`tasks_job_id_idx`). */
function partsOf(db: Db, scope: LogScope) {
  const base = db.selectFrom('tasks_log_parts');
  if ('taskId' in scope) return base.where('tasks_log_parts.task_id', '=', scope.taskId);
  return base.where(
    'tasks_log_parts.task_id',
    'in',
    db.selectFrom('tasks').select('tasks.id').where('tasks.job_id', '=', scope.jobId),
  );
}

export async function selectLogChunks(db: Db, scope: LogScope, query: LogChunkQuery): Promise<LogChunk[]> {
  const rows = await partsOf(db, scope)
    .select([
      'tasks_log_parts.seq',
      'tasks_log_parts.id',
      'tasks_log_parts.task_id',
      'tasks_log_parts.number',
      'tasks_log_parts.contents',
      'tasks_log_parts.created_at',
    ])
    .$if(query.afterSeq !== undefined, (qb) => qb.where('tasks_log_parts.seq', '>', query.afterSeq!))
    .$if(query.beforeSeq !== undefined, (qb) => qb.where('tasks_log_parts.seq', '<', query.beforeSeq!))
    .orderBy('tasks_log_parts.seq', query.order)
    .limit(Math.max(1, query.limit))
    .execute();
  return rows.map((row) => ({ ...logPartFromRow(row), seq: Number(row.seq) }));
}

export async function selectLogStats(db: Db, scope: LogScope, beforeSeq?: number): Promise<LogStats> {
  const scoped = partsOf(db, scope).$if(beforeSeq !== undefined, (qb) =>
    qb.where('tasks_log_parts.seq', '<', beforeSeq!),
  );
  const totals = await scoped
    .select([
      sql<number | string>`count(*)`.as('parts'),
      sql<
        number | string | null
      >`sum(length(tasks_log_parts.contents) - length(replace(tasks_log_parts.contents, ${'\n'}, '')))`.as(
        'newlines',
      ),
      sql<number | string | null>`max(tasks_log_parts.seq)`.as('last_seq'),
    ])
    .executeTakeFirstOrThrow();
  const lastSeq = Number(totals.last_seq ?? 0);
  let endsWithNewline = true;
  if (lastSeq > 0) {
    const last = await db
      .selectFrom('tasks_log_parts')
      .select(
        sql<number | string>`case when tasks_log_parts.contents like ${'%\n'} then 1 else 0 end`.as('nl'),
      )
      .where('tasks_log_parts.seq', '=', lastSeq)
      .executeTakeFirst();
    endsWithNewline = Number(last?.nl ?? 1) === 1;
  }
  return { parts: Number(totals.parts), newlines: Number(totals.newlines ?? 0), lastSeq, endsWithNewline };
}

const JOB_PERMS = { table: 'jobs_perms', owner: 'job_id' } as const;

/** `<created_at ms>.<seq>` of the last row of a page. */
function encodeCursor(createdAt: number, seq: number): string {
  return `${createdAt}.${seq}`;
}

function decodeCursor(cursor: string | undefined): { createdAt: number; seq: number } | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(cursor ?? '');
  return m ? { createdAt: Number(m[1]), seq: Number(m[2]) } : undefined;
}

export async function listJobSummaries(db: Db, caps: SqlCapabilities, query: JobListQuery): Promise<JobList> {
  const search = parseSearch(query.q);
  const after = decodeCursor(query.cursor);
  const limit = Math.max(1, query.limit);
  const onlyText =
    search.terms !== '' &&
    search.tags.length === 0 &&
    !query.states?.length &&
    query.since === undefined &&
    query.until === undefined &&
    query.scheduledJobId === undefined &&
    query.parentId === undefined &&
    query.username === undefined;
  // Text alone: the back end may list the page's matches itself, in its index's order.
  const newest = onlyText
    ? await caps.fullText.newestJobMatchesBefore?.(db, search.terms, after?.seq, limit + 1)
    : undefined;
  if (newest?.length === 0) return { items: [] };
  const match = newest
    ? sql<SqlBool>`jobs.seq in (${sql.join(newest)})`
    : search.terms
      ? caps.fullText.matchJobs(search.terms)
      : undefined;
  const rows = await db
    .selectFrom('jobs')
    .leftJoin('users as cb', 'cb.id', 'jobs.created_by')
    .select([...SUMMARY_COLUMNS, ...CREATOR_COLUMNS, 'jobs.seq'])
    .$if(!!query.states?.length, (qb) => qb.where('jobs.state', 'in', query.states!))
    .$if(search.tags.length > 0, (qb) =>
      qb.where(
        'jobs.id',
        'in',
        db.selectFrom('job_tags').select('job_tags.job_id').where('tag', 'in', search.tags),
      ),
    )
    .$if(match !== undefined, (qb) => qb.where(match!))
    .$if(query.since !== undefined, (qb) => qb.where('jobs.created_at', '>=', query.since!.getTime()))
    .$if(query.until !== undefined, (qb) => qb.where('jobs.created_at', '<', query.until!.getTime()))
    .$if(query.scheduledJobId !== undefined, (qb) =>
      qb.where('jobs.scheduled_job_id', '=', query.scheduledJobId!),
    )
    .$if(query.parentId !== undefined, (qb) => qb.where('jobs.parent_id', '=', query.parentId!))
    .$if(query.username !== undefined, (qb) => qb.where(visibleTo('jobs', JOB_PERMS, query.username!)))
    .$if(after !== undefined, (qb) =>
      qb.where((eb) =>
        eb.or([
          eb('jobs.created_at', '<', after!.createdAt),
          eb.and([eb('jobs.created_at', '=', after!.createdAt), eb('jobs.seq', '<', after!.seq)]),
        ]),
      ),
    )
    .orderBy('jobs.created_at', 'desc')
    .orderBy('jobs.seq', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const items: Job[] = page.map((row) => jobSummaryFromRow(row));
  const last = page[page.length - 1];
  const next =
    rows.length > limit && last ? encodeCursor(Number(last.created_at), Number(last.seq)) : undefined;
  return { items, next };
}
