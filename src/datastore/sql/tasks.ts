import { sql, type Kysely, type Selectable } from 'kysely';
import { ACTIVE_TASK_STATES, type TaskState } from '../../model/states.js';
import type { Task } from '../../model/task.js';
import type { Modify } from '../datastore.js';
import type { SqlCapabilities } from './capabilities.js';
import { changedColumns } from './columns.js';
import { FULL_COLUMNS } from './jobs.js';
import { taskFromRow, taskToRow, type JobRow } from './records.js';
import { reusableQuery } from './reusable-query.js';
import { insertRows, updateById } from './row-writes.js';
import type { LockedJobs, TransactionScope } from './transaction-scope.js';
import type { Database, TasksTable } from './tables.js';
import { CREATOR_COLUMNS } from './users.js';

type Db = Kysely<Database>;
type TaskRow = Selectable<TasksTable>;

/** Columns of the `tasks` table; a batch insert carries this many parameters per row. */
const TASK_COLUMNS = 12; // without the generated seq

/** Insert tasks in as few statements as the back end's parameter limit allows. */
export async function insertTasks(db: Db, caps: SqlCapabilities, tasks: Task[], scope?: TransactionScope): Promise<void> {
  const rows = tasks.map(taskToRow);
  const perStatement = Math.max(1, Math.floor(caps.maxParameters / TASK_COLUMNS));
  for (let i = 0; i < rows.length; i += perStatement) {
    await insertRows(db, 'tasks', rows.slice(i, i + perStatement), scope);
  }
}

// Every task that runs is read two or three times: these reads are compiled once.
const selectTaskRows = reusableQuery(1, (db: Db, id: string) => db.selectFrom('tasks').selectAll().where('id', '=', id));

export async function selectTask(db: Db, id: string): Promise<Task | undefined> {
  const [row] = await selectTaskRows(db, id);
  return row ? taskFromRow(row) : undefined;
}

/**
 * Read a task under lock, apply `modify`, write back the columns that changed (the id never
 * changes). Returns the task as written, or undefined when there is no such task. Run inside a
 * transaction. On a back end with row locks the task's job is locked first, and its row is
 * kept in `scope` (see `LockedJobs`).
 */
export async function modifyTask(
  db: Db,
  caps: SqlCapabilities,
  id: string,
  modify: Modify<Task>,
  scope?: TransactionScope,
): Promise<Task | undefined> {
  const row = caps.rowLocks ? await selectTaskAndLockJob(db, id, scope?.lockedJobs) : (await selectTaskRows(db, id))[0];
  if (!row) return undefined;
  const task = taskFromRow(row);
  await modify(task);
  task.id = id;
  const changed = changedColumns(row, taskToRow(task));
  if (changed) await updateById(db, 'tasks', id, changed, scope);
  return task;
}

/** The job's columns as the lock read returns them: prefixed, since tasks has columns of the same names. */
const JOB_PREFIX = 'j__';
const LOCKED_JOB_COLUMNS = [
  ...FULL_COLUMNS.map((column) => sql.ref(column).as(JOB_PREFIX + column.slice('jobs.'.length))),
  ...CREATOR_COLUMNS.map((column) => {
    const [ref, alias] = column.split(' as ') as [string, string];
    return sql.ref(ref).as(JOB_PREFIX + alias);
  }),
];

/**
 * One statement: lock the row of the task's job, then the task's, and return both. Handlers
 * change a job and its tasks in one transaction, some task first, some job first; taking the
 * job's lock before any of its tasks' gives every transaction the same order, so that concurrent
 * coordinators wait for each other instead of deadlocking. The lateral subquery locks the job as
 * the join reaches it, before the top-level `for update` locks the task. A task without a job
 * (none is stored so, but the column allows it) is still read and locked.
 */
const selectTaskAndJobRowsForUpdate = reusableQuery(1, (db: Db, id: string) =>
  db
    .selectFrom('tasks')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('jobs')
          .leftJoin('users as cb', 'cb.id', 'jobs.created_by')
          .select(LOCKED_JOB_COLUMNS)
          .whereRef('jobs.id', '=', 'tasks.job_id')
          .forUpdate('jobs')
          .as('j'),
      (join) => join.onTrue(),
    )
    .selectAll(['tasks', 'j'])
    .where('tasks.id', '=', id)
    .forUpdate('tasks'),
);

async function selectTaskAndLockJob(db: Db, id: string, locked: LockedJobs | undefined): Promise<TaskRow | undefined> {
  const [joined] = (await selectTaskAndJobRowsForUpdate(db, id)) as Array<Record<string, unknown>>;
  if (!joined) return undefined;
  const task: Record<string, unknown> = {};
  const job: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(joined)) {
    if (key.startsWith(JOB_PREFIX)) job[key.slice(JOB_PREFIX.length)] = value;
    else task[key] = value;
  }
  if (job.id !== null && job.id !== undefined) locked?.remember(job as unknown as JobRow);
  return task as unknown as TaskRow;
}

const selectExecutionRows = reusableQuery(1, (db: Db, jobId: string) =>
  db
    .selectFrom('tasks')
    .selectAll()
    .where('job_id', '=', jobId)
    .orderBy('position')
    .orderBy('started_at', (ob) => ob.asc().nullsLast())
    .orderBy('created_at')
    .orderBy('seq'),
);

/** Every task record of a job: by position, then startedAt (unstarted last), then createdAt. */
export async function selectExecution(db: Db, jobId: string): Promise<Task[]> {
  const rows = await selectExecutionRows(db, jobId);
  return rows.map(taskFromRow);
}

export async function selectActiveTasks(db: Db, jobId: string): Promise<Task[]> {
  const rows = await db
    .selectFrom('tasks')
    .selectAll()
    .where('job_id', '=', jobId)
    .where('state', 'in', ACTIVE_TASK_STATES)
    .orderBy('position')
    .orderBy('created_at')
    .orderBy('seq')
    .execute();
  return rows.map(taskFromRow);
}

export async function selectChildTasks(db: Db, parentId: string): Promise<Task[]> {
  const rows = await db
    .selectFrom('tasks')
    .selectAll()
    .where('parent_id', '=', parentId)
    .orderBy('created_at')
    .orderBy('seq')
    .execute();
  return rows.map(taskFromRow);
}

/** The first CREATED child by createdAt, then insertion (Tork picks any one; list order is what users expect). */
export async function selectNextCreatedChild(db: Db, parentId: string): Promise<Task | undefined> {
  const row = await db
    .selectFrom('tasks')
    .selectAll()
    .where('parent_id', '=', parentId)
    .where('state', '=', 'CREATED')
    .orderBy('created_at')
    .orderBy('seq')
    .limit(1)
    .executeTakeFirst();
  return row ? taskFromRow(row) : undefined;
}

/** Tasks in these states whose job is SCHEDULED or RUNNING, oldest first. */
export async function selectTasksInFlight(db: Db, states: TaskState[]): Promise<Task[]> {
  if (states.length === 0) return [];
  const rows = await db
    .selectFrom('tasks')
    .innerJoin('jobs', 'jobs.id', 'tasks.job_id')
    .selectAll('tasks')
    .where('tasks.state', 'in', states)
    .where('jobs.state', 'in', ['SCHEDULED', 'RUNNING'])
    .orderBy('tasks.created_at')
    .orderBy('tasks.seq')
    .execute();
  return rows.map(taskFromRow);
}

/** Tasks RUNNING whose job is RUNNING too (api spec §2.9). */
export async function countRunningTasks(db: Db): Promise<number> {
  const row = await db
    .selectFrom('tasks')
    .innerJoin('jobs', 'jobs.id', 'tasks.job_id')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('tasks.state', '=', 'RUNNING')
    .where('jobs.state', '=', 'RUNNING')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
