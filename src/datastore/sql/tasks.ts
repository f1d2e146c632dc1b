import type { Kysely } from 'kysely';
import { ACTIVE_TASK_STATES, type TaskState } from '../../model/states.js';
import type { Task } from '../../model/task.js';
import type { Modify } from '../datastore.js';
import type { SqlCapabilities } from './capabilities.js';
import { changedColumns } from './columns.js';
import { taskFromRow, taskToRow } from './records.js';
import { reusableQuery } from './reusable-query.js';
import type { Database } from './tables.js';

type Db = Kysely<Database>;

/** Columns of the `tasks` table; a batch insert carries this many parameters per row. */
const TASK_COLUMNS = 12; // without the generated seq

/** Insert tasks in as few statements as the back end's parameter limit allows. */
export async function insertTasks(db: Db, caps: SqlCapabilities, tasks: Task[]): Promise<void> {
  const rows = tasks.map(taskToRow);
  const perStatement = Math.max(1, Math.floor(caps.maxParameters / TASK_COLUMNS));
  for (let i = 0; i < rows.length; i += perStatement) {
    await db
      .insertInto('tasks')
      .values(rows.slice(i, i + perStatement))
      .execute();
  }
}

// Every task that runs is read two or three times: these reads are compiled once.
const selectTaskRows = reusableQuery(1, (db: Db, id: string) => db.selectFrom('tasks').selectAll().where('id', '=', id));
const selectTaskRowsForUpdate = reusableQuery(1, (db: Db, id: string) =>
  db.selectFrom('tasks').selectAll().where('id', '=', id).forUpdate(),
);

async function selectTaskRow(db: Db, caps: SqlCapabilities, id: string, lock: boolean) {
  const [row] = await (lock && caps.rowLocks ? selectTaskRowsForUpdate(db, id) : selectTaskRows(db, id));
  return row;
}

export async function selectTask(db: Db, caps: SqlCapabilities, id: string): Promise<Task | undefined> {
  const row = await selectTaskRow(db, caps, id, false);
  return row ? taskFromRow(row) : undefined;
}

/**
 * Read a task under lock, apply `modify`, write back the columns that changed (the id never
 * changes). Returns the task as written, or undefined when there is no such task. Run inside a
 * transaction.
 */
export async function modifyTask(
  db: Db,
  caps: SqlCapabilities,
  id: string,
  modify: Modify<Task>,
): Promise<Task | undefined> {
  if (caps.rowLocks) await lockJobOfTask(db, id);
  const row = await selectTaskRow(db, caps, id, true);
  if (!row) return undefined;
  const task = taskFromRow(row);
  await modify(task);
  task.id = id;
  const changed = changedColumns(row, taskToRow(task));
  if (changed) await db.updateTable('tasks').set(changed).where('id', '=', id).execute();
  return task;
}

/**
 * Lock the row of the task's job. Handlers change a job and its tasks in one transaction, some
 * task first, some job first; taking the job's lock before any of its tasks' gives every
 * transaction the same order, so that concurrent coordinators wait for each other instead of
 * deadlocking. Only for back ends with row locks (SQLite serialises writers anyway).
 */
async function lockJobOfTask(db: Db, taskId: string): Promise<void> {
  await lockJobOfTaskRows(db, taskId);
}

const lockJobOfTaskRows = reusableQuery(1, (db: Db, taskId: string) =>
  db
    .selectFrom('jobs')
    .select('jobs.id')
    .where('jobs.id', '=', (eb) => eb.selectFrom('tasks').select('tasks.job_id').where('tasks.id', '=', taskId))
    .forUpdate(),
);

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
