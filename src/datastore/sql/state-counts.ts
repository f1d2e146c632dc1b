import type { Kysely } from 'kysely';
import type { JobState, TaskState } from '../../model/states.js';
import type { StateCounts } from '../datastore.js';
import type { Database } from './tables.js';

type Db = Kysely<Database>;

const ACTIVE_JOB_STATES: JobState[] = ['PENDING', 'SCHEDULED', 'RUNNING'];
const ACTIVE_TASK_STATES: TaskState[] = ['CREATED', 'PENDING', 'SCHEDULED', 'RUNNING'];

/**
 * Jobs and tasks per active state, for `/metrics`. Only active states: their index ranges stay
 * small however many finished rows are stored, so a scrape never scans the tables (finished
 * work is counted by the coordinator as it happens).
 */
export async function countActiveStates(db: Db): Promise<StateCounts> {
  const [jobs, tasks] = await Promise.all([
    db
      .selectFrom('jobs')
      .select(['state', (eb) => eb.fn.countAll().as('n')])
      .where('state', 'in', ACTIVE_JOB_STATES)
      .groupBy('state')
      .execute(),
    db
      .selectFrom('tasks')
      .select(['state', (eb) => eb.fn.countAll().as('n')])
      .where('state', 'in', ACTIVE_TASK_STATES)
      .groupBy('state')
      .execute(),
  ]);
  const counts: StateCounts = { jobs: {}, tasks: {} };
  for (const state of ACTIVE_JOB_STATES) counts.jobs[state] = 0;
  for (const state of ACTIVE_TASK_STATES) counts.tasks[state] = 0;
  for (const row of jobs) counts.jobs[row.state as JobState] = Number(row.n);
  for (const row of tasks) if (row.state) counts.tasks[row.state as TaskState] = Number(row.n);
  return counts;
}
