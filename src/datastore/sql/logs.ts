import type { Kysely } from 'kysely';
import type { TaskLogPart } from '../../model/log-part.js';
import { newId } from '../../model/ids.js';
import type { Page } from '../../model/page.js';
import type { LogQuery } from '../datastore.js';
import type { SqlCapabilities } from './capabilities.js';
import { pageBounds, pageOf } from './paging.js';
import { logPartFromRow, logPartToRow } from './records.js';
import { parseSearch } from './search.js';
import type { Database } from './tables.js';

type Db = Kysely<Database>;

/** Columns set on insert; a batch insert carries this many parameters per row. */
const LOG_PART_COLUMNS = 5;

const PART_COLUMNS = [
  'tasks_log_parts.id',
  'tasks_log_parts.task_id',
  'tasks_log_parts.number',
  'tasks_log_parts.contents',
  'tasks_log_parts.created_at',
] as const;

/** Insert log parts in as few statements as the back end's parameter limit allows. */
export async function insertLogParts(db: Db, caps: SqlCapabilities, parts: TaskLogPart[]): Promise<void> {
  const now = new Date();
  const rows = parts.map((part) => logPartToRow(part, part.id ?? newId(), now));
  const perStatement = Math.max(1, Math.floor(caps.maxParameters / LOG_PART_COLUMNS));
  for (let i = 0; i < rows.length; i += perStatement) {
    await db
      .insertInto('tasks_log_parts')
      .values(rows.slice(i, i + perStatement))
      .execute();
  }
}

/** A task's log parts, newest first; `q` filters by full text and the totals count the filtered set. */
export async function selectTaskLogParts(
  db: Db,
  caps: SqlCapabilities,
  taskId: string,
  query: LogQuery,
): Promise<Page<TaskLogPart>> {
  const bounds = pageBounds(query);
  const match = textMatch(caps, query.q);
  const filtered = db
    .selectFrom('tasks_log_parts')
    .where('tasks_log_parts.task_id', '=', taskId)
    .$if(match !== undefined, (qb) => qb.where(match!));
  const { total } = await filtered.select((eb) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow();
  const totalItems = Number(total);
  if (bounds.offset >= totalItems) return pageOf([], totalItems, bounds);
  const rows = await filtered
    .select(PART_COLUMNS)
    .orderBy('tasks_log_parts.number', 'desc')
    .orderBy('tasks_log_parts.created_at', 'desc')
    .limit(bounds.limit)
    .offset(bounds.offset)
    .execute();
  return pageOf(rows.map(logPartFromRow), totalItems, bounds);
}

/** The log parts of every task of a job: task position desc, task createdAt desc, number desc. */
export async function selectJobLogParts(
  db: Db,
  caps: SqlCapabilities,
  jobId: string,
  query: LogQuery,
): Promise<Page<TaskLogPart>> {
  const bounds = pageBounds(query);
  const match = textMatch(caps, query.q);
  const filtered = db
    .selectFrom('tasks_log_parts')
    .innerJoin('tasks', 'tasks.id', 'tasks_log_parts.task_id')
    .where('tasks.job_id', '=', jobId)
    .$if(match !== undefined, (qb) => qb.where(match!));
  const { total } = await filtered.select((eb) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow();
  const totalItems = Number(total);
  if (bounds.offset >= totalItems) return pageOf([], totalItems, bounds);
  const rows = await filtered
    .select(PART_COLUMNS)
    .orderBy('tasks.position', 'desc')
    .orderBy('tasks.created_at', 'desc')
    .orderBy('tasks_log_parts.number', 'desc')
    .orderBy('tasks_log_parts.created_at', 'desc')
    .limit(bounds.limit)
    .offset(bounds.offset)
    .execute();
  return pageOf(rows.map(logPartFromRow), totalItems, bounds);
}

/** Log search ignores `tag:` words (api spec §3.5). */
function textMatch(caps: SqlCapabilities, q: string | undefined) {
  const { terms } = parseSearch(q);
  return terms ? caps.fullText.matchLogParts(terms) : undefined;
}

/** Retention: delete at most `limit` log parts created before `before`. */
export async function purgeLogParts(db: Db, before: Date, limit: number): Promise<number> {
  const oldest = db
    .selectFrom('tasks_log_parts')
    .select('tasks_log_parts.seq')
    .where('tasks_log_parts.created_at', '<', before.getTime())
    .limit(limit);
  const result = await db.deleteFrom('tasks_log_parts').where('seq', 'in', oldest).executeTakeFirst();
  return Number(result.numDeletedRows);
}
