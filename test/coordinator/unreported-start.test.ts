import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteDatastore } from '../../src/datastore/sqlite.js';
import { startTestEngine } from '../helpers/engine.js';

type T = Awaited<ReturnType<typeof startTestEngine>>;

/**
 * A task that completes before its worker reported it started reaches the coordinator as
 * `completed` alone (worker/task-run.ts). The engine here never reports a start before a task
 * ends (a one-minute delay), so every task takes that path; the records and the state-change
 * webhooks must be what `started` would have produced.
 */
describe('tasks whose start is reported only by their completion', () => {
  let t: T;
  let ds: SqliteDatastore;
  beforeAll(async () => {
    t = await startTestEngine({}, { tuning: { startedDelayMs: 60_000, webhooks: { backoffMs: 60_000, pollMs: 60_000 } } });
    ds = new SqliteDatastore({ path: join(t.dir, 'drover.db') });
  });
  afterAll(async () => {
    await t.engine.close();
    await ds.close();
  });

  /** Nobody listens there: the outbox keeps what would be sent. */
  const HOOKS = `
webhooks:
  - url: http://127.0.0.1:9/tasks
    event: task.StateChange
  - url: http://127.0.0.1:9/jobs
    event: job.StateChange`;

  async function run(yaml: string): Promise<any> {
    const res = await t.api.postYaml(yaml);
    expect(res.status, res.text).toBe(200);
    return t.api.waitForJob(res.body.id);
  }

  /** `name state` of every state change in the outbox, sorted (rows of one commit share a time). */
  async function changes(jobId: string, event: string): Promise<string[]> {
    const rows = (await ds.getWebhooks(jobId)).filter((r) => r.event === event);
    return rows.map((r) => JSON.parse(r.body) as { name: string; state: string }).map((b) => `${b.name} ${b.state}`).sort();
  }

  it('records the start of each task and announces RUNNING for the tasks and the job', async () => {
    const job = await run(`
name: quick steps${HOOKS}
tasks:
  - name: one
    run: "true"
  - name: two
    run: echo -n done > $TORK_OUTPUT
`);
    expect(job.state).toBe('COMPLETED');
    for (const task of job.execution) {
      expect(task.state).toBe('COMPLETED');
      expect(Date.parse(task.startedAt)).toBeLessThanOrEqual(Date.parse(task.completedAt));
      expect(task.nodeId).toBeTruthy();
    }
    expect(job.execution[1].result).toBe('done');
    expect(await changes(job.id, 'task.StateChange')).toEqual([
      'one COMPLETED',
      'one RUNNING',
      'one SCHEDULED',
      'two COMPLETED',
      'two RUNNING',
      'two SCHEDULED',
    ]);
    expect(await changes(job.id, 'job.StateChange')).toEqual([
      'quick steps COMPLETED',
      'quick steps RUNNING',
      'quick steps SCHEDULED',
    ]);
  });

  it('promotes the job when the first tasks to end are children of a parallel block', async () => {
    const job = await run(`
name: quick fan-out${HOOKS}
tasks:
  - name: both
    parallel:
      tasks:
        - name: left
          run: "true"
        - name: right
          run: "true"
`);
    expect(job.state).toBe('COMPLETED');
    const jobStates = await changes(job.id, 'job.StateChange');
    expect(jobStates).toEqual(['quick fan-out COMPLETED', 'quick fan-out RUNNING', 'quick fan-out SCHEDULED']);
    const taskStates = await changes(job.id, 'task.StateChange');
    expect(taskStates).toEqual(expect.arrayContaining(['left RUNNING', 'left COMPLETED', 'right RUNNING', 'right COMPLETED']));
  });

  it('still reports the start of a task that fails, before its error', async () => {
    const job = await run(`
name: quick failure${HOOKS}
tasks:
  - name: broken
    run: exit 3
`);
    expect(job.state).toBe('FAILED');
    expect(job.execution[0]).toMatchObject({ state: 'FAILED', exitCode: 3 });
    expect(job.execution[0].startedAt).toBeTruthy();
    expect(await changes(job.id, 'task.StateChange')).toEqual(['broken FAILED', 'broken RUNNING', 'broken SCHEDULED']);
    expect(await changes(job.id, 'job.StateChange')).toEqual([
      'quick failure FAILED',
      'quick failure RUNNING',
      'quick failure SCHEDULED',
    ]);
  });
});
