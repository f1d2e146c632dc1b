import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../src/async.js';
import { SqliteDatastore } from '../../src/datastore/sqlite.js';
import { newId } from '../../src/model/ids.js';
import type { Job } from '../../src/model/job.js';
import type { JobState } from '../../src/model/states.js';
import { startTestEngine } from '../helpers/engine.js';

type T = Awaited<ReturnType<typeof startTestEngine>>;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function states(job: any): string[][] {
  return job.execution.map((x: any) => [x.name, x.state]);
}

describe('sub-jobs on the real engine', () => {
  let t: T;
  beforeAll(async () => {
    t = await startTestEngine();
  });
  afterAll(async () => {
    await t.engine.close();
  });

  async function submit(yaml: string): Promise<string> {
    const res = await t.api.postYaml(yaml);
    expect(res.status, res.text).toBe(200);
    return res.body.id;
  }

  /** The id of the sub-job a subjob task started, once it has one. */
  async function subJobId(jobId: string, taskName: string): Promise<string> {
    return waitFor(
      async () => {
        const job = (await t.api.get(`/jobs/${jobId}`)).body;
        return job.execution.find((x: any) => x.name === taskName && x.subjob?.id)?.subjob.id as
          string | undefined;
      },
      { message: `sub-job of ${taskName}` },
    );
  }

  it("completes the parent task with the sub-job's output, passing inputs and secrets down", async () => {
    const id = await submit(`
name: parent
secrets:
  token: s3cr3t-token
output: "parent got {{ tasks.child }}"
tasks:
  - name: prepare
    var: who
    run: echo -n world > $TORK_OUTPUT
  - name: call child
    var: child
    subjob:
      name: "child of {{ job.name }}"
      inputs:
        greeting: "hello {{ tasks.who }}"
      secrets:
        token: "{{ secrets.token }}"
      output: "{{ tasks.said }}"
      tasks:
        - name: say
          var: said
          env:
            GREETING: "{{ inputs.greeting }}"
            TOKEN: "{{ secrets.token }}"
          run: echo -n "$GREETING (token length \${#TOKEN})" > $TORK_OUTPUT
`);
    const job = await t.api.waitForJob(id);
    expect(job.state).toBe('COMPLETED');
    expect(job.result).toBe('parent got hello world (token length 12)');
    const parentTask = job.execution[1];
    expect(parentTask).toMatchObject({
      name: 'call child',
      state: 'COMPLETED',
      result: 'hello world (token length 12)',
    });

    const sub = (await t.api.get(`/jobs/${parentTask.subjob.id}`)).body;
    expect(sub).toMatchObject({
      name: 'child of parent',
      state: 'COMPLETED',
      parentId: parentTask.id,
      inputs: { greeting: 'hello world' },
    });
    expect(sub.secrets).toEqual({ token: '[REDACTED]' });
    expect(sub.context.secrets).toEqual({ token: '[REDACTED]' });
    // The parent job lists only its own records; the sub-job's tasks are the sub-job's.
    expect(states(job)).toEqual([
      ['prepare', 'COMPLETED'],
      ['call child', 'COMPLETED'],
    ]);
    expect(states(sub)).toEqual([['say', 'COMPLETED']]);
  });

  it("fails the parent task and job with the sub-job's error", async () => {
    const id = await submit(`
name: failing child
tasks:
  - name: call
    subjob:
      name: child
      tasks:
        - name: boom
          run: echo "child exploded" >&2; exit 9
  - name: never
    run: echo
`);
    const job = await t.api.waitForJob(id);
    expect(job.state).toBe('FAILED');
    expect(job.error).toMatch(/^exit code 9: child exploded/);
    expect(states(job)).toEqual([['call', 'FAILED']]);
    expect(job.execution[0].error).toBe(job.error);
    const sub = (await t.api.get(`/jobs/${job.execution[0].subjob.id}`)).body;
    expect(sub.state).toBe('FAILED');
    expect(sub.error).toBe(job.error);
  });

  it("fails the parent with the real message when the sub-job's output does not evaluate", async () => {
    const id = await submit(`
name: bad output
tasks:
  - name: call
    subjob:
      name: child
      output: "{{ nosuchfn() }}"
      tasks:
        - name: ok
          run: "true"
`);
    const job = await t.api.waitForJob(id);
    expect(job.state).toBe('FAILED');
    expect(job.error).toContain('nosuchfn');
    expect(job.error).not.toContain('invalid completion state');
  });

  it('cancelling the parent job cancels its running sub-job and stops its processes', async () => {
    const pidFile = join(t.dir, 'sub-cancel-pid');
    const id = await submit(`
name: cancel from the top
tasks:
  - name: call
    subjob:
      name: child
      tasks:
        - name: long
          run: echo $$ > ${pidFile}; sleep 300
`);
    const subId = await subJobId(id, 'call');
    await waitFor(() => readFileSafe(pidFile), { message: 'sub-job task to start' });
    expect((await t.api.put(`/jobs/${id}/cancel`)).status).toBe(200);
    const job = await t.api.waitForJob(id, ['CANCELLED']);
    expect(states(job)).toEqual([['call', 'CANCELLED']]);
    const sub = await t.api.waitForJob(subId, ['CANCELLED']);
    expect(states(sub)).toEqual([['long', 'CANCELLED']]);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(() => !isAlive(pid), { message: 'the sub-job process to exit' });
  });

  it('cancelling an attached sub-job cancels its parent job', async () => {
    const id = await submit(`
name: cancel from below
tasks:
  - name: call
    subjob:
      name: child
      tasks:
        - name: long
          run: sleep 300
`);
    const subId = await subJobId(id, 'call');
    await t.api.waitForJob(subId, ['RUNNING']);
    expect((await t.api.put(`/jobs/${subId}/cancel`)).status).toBe(200);
    await t.api.waitForJob(subId, ['CANCELLED']);
    const job = await t.api.waitForJob(id, ['CANCELLED']);
    expect(states(job)).toEqual([['call', 'CANCELLED']]);
  });

  it('a detached sub-job completes its parent task at once and runs on its own with its secrets', async () => {
    const gate = join(t.dir, 'detached-gate');
    const id = await submit(`
name: fire and forget
tasks:
  - name: launch
    var: launched
    subjob:
      name: background
      detached: true
      secrets:
        key: abcdef
      output: "{{ tasks.work }} with a {{ len(secrets.key) }}-character key"
      tasks:
        - name: work
          var: work
          run: |
            while [ ! -f ${gate} ]; do sleep 0.05; done
            echo -n worked > $TORK_OUTPUT
  - name: after
    run: "true"
`);
    const job = await t.api.waitForJob(id);
    expect(job.state).toBe('COMPLETED');
    expect(states(job)).toEqual([
      ['launch', 'COMPLETED'],
      ['after', 'COMPLETED'],
    ]);
    expect(job.execution[0].result).toBeUndefined();
    const subId = job.execution[0].subjob.id;
    const running = (await t.api.get(`/jobs/${subId}`)).body;
    expect(running.parentId).toBeUndefined();
    expect(['SCHEDULED', 'RUNNING']).toContain(running.state);
    writeFileSync(gate, '');
    const sub = await t.api.waitForJob(subId);
    expect(sub.state).toBe('COMPLETED');
    expect(sub.result).toBe('worked with a 6-character key');
  });

  it('restarting the parent restarts the same sub-job at the task that failed', async () => {
    const flag = join(t.dir, 'sub-restart-flag');
    const runs = join(t.dir, 'sub-restart-runs');
    const id = await submit(`
name: restart through a sub-job
output: "{{ tasks.child }}"
tasks:
  - name: call
    var: child
    subjob:
      name: child
      output: "{{ tasks.one }}{{ tasks.two }}"
      tasks:
        - name: one
          var: one
          run: echo one >> ${runs}; echo -n 1 > $TORK_OUTPUT
        - name: two
          var: two
          run: |
            echo two >> ${runs}
            [ -f ${flag} ] || exit 5
            echo -n 2 > $TORK_OUTPUT
`);
    const failed = await t.api.waitForJob(id);
    expect(failed.state).toBe('FAILED');
    const subId = failed.execution[0].subjob.id;
    writeFileSync(flag, '');
    expect((await t.api.put(`/jobs/${id}/restart`)).status).toBe(200);
    const job = await t.api.waitForJob(id, ['COMPLETED', 'FAILED']);
    expect(job.state).toBe('COMPLETED');
    expect(job.result).toBe('12');
    expect(states(job)).toEqual([['call', 'COMPLETED']]);
    expect(job.execution[0].subjob.id).toBe(subId);
    expect(readFileSync(runs, 'utf8')).toBe('one\ntwo\ntwo\n');
  });

  it('restarting a cancelled parallel resumes its cancelled sub-job and keeps the completed sibling', async () => {
    const gate = join(t.dir, 'sub-par-gate');
    const runs = join(t.dir, 'sub-par-runs');
    const id = await submit(`
name: parallel with a sub-job
output: "{{ tasks.quick }}{{ tasks.child }}"
tasks:
  - name: fan
    parallel:
      tasks:
        - name: quick
          var: quick
          run: echo quick >> ${runs}; echo -n q > $TORK_OUTPUT
        - name: call
          var: child
          subjob:
            name: child
            output: "{{ tasks.s }}"
            tasks:
              - name: gated
                var: s
                run: |
                  echo gated >> ${runs}
                  while [ ! -f ${gate} ]; do sleep 0.05; done
                  echo -n s > $TORK_OUTPUT
`);
    const subId = await subJobId(id, 'call');
    await waitFor(() => readFileSafe(runs)?.includes('gated') && readFileSafe(runs)?.includes('quick'), {
      message: 'both to start',
    });
    await waitFor(
      async () =>
        (await t.api.get(`/jobs/${id}`)).body.execution.some(
          (x: any) => x.name === 'quick' && x.state === 'COMPLETED',
        ),
      {
        message: 'quick to complete',
      },
    );
    expect((await t.api.put(`/jobs/${id}/cancel`)).status).toBe(200);
    await t.api.waitForJob(id, ['CANCELLED']);
    await t.api.waitForJob(subId, ['CANCELLED']);
    writeFileSync(gate, '');
    expect((await t.api.put(`/jobs/${id}/restart`)).status).toBe(200);
    const job = await t.api.waitForJob(id, ['COMPLETED', 'FAILED']);
    expect(job.state).toBe('COMPLETED');
    expect(job.result).toBe('qs');
    expect(Object.fromEntries(states(job))).toEqual({
      fan: 'COMPLETED',
      quick: 'COMPLETED',
      call: 'COMPLETED',
    });
    expect(job.execution).toHaveLength(3);
    expect(readFileSync(runs, 'utf8').split('\n').filter(Boolean).sort()).toEqual([
      'gated',
      'gated',
      'quick',
    ]);
  });

  it('runs an each inside a parallel inside a sub-job and passes the results up', async () => {
    const id = await submit(`
name: nested
output: "{{ tasks.inner }}"
tasks:
  - name: sub
    var: inner
    subjob:
      name: inner job
      inputs:
        n: "3"
      output: "{{ tasks.e0 }}{{ tasks.e1 }}{{ tasks.e2 }}+{{ tasks.side }}"
      tasks:
        - name: fan
          parallel:
            tasks:
              - name: loop
                each:
                  list: "{{ sequence(0, int(inputs.n)) }}"
                  concurrency: 2
                  task:
                    name: "square {{ item.value }}"
                    var: "e{{ item.index }}"
                    env:
                      V: "{{ item.value * item.value }}"
                    run: echo -n $V > $TORK_OUTPUT
              - name: side
                var: side
                run: echo -n side > $TORK_OUTPUT
`);
    const job = await t.api.waitForJob(id);
    expect(job.state).toBe('COMPLETED');
    expect(job.result).toBe('014+side');
    const sub = (await t.api.get(`/jobs/${job.execution[0].subjob.id}`)).body;
    expect(
      states(sub)
        .map(([name, state]) => `${name}:${state}`)
        .sort(),
    ).toEqual(['fan', 'loop', 'side', 'square 0', 'square 1', 'square 2'].map((n) => `${n}:COMPLETED`));
    const byName = (name: string) => sub.execution.find((x: any) => x.name === name);
    expect(byName('loop').parentId).toBe(byName('fan').id);
    expect(['square 0', 'square 1', 'square 2'].every((n) => byName(n).parentId === byName('loop').id)).toBe(
      true,
    );
  });

  it('fails a whole nested composition when a deep child fails, and cancels the rest', async () => {
    const id = await submit(`
name: nested failure
tasks:
  - name: sub
    subjob:
      name: inner
      tasks:
        - name: fan
          parallel:
            tasks:
              - name: loop
                each:
                  list: "{{ [1, 2] }}"
                  task:
                    name: "item {{ item.value }}"
                    env:
                      V: "{{ item.value }}"
                    run: '[ "$V" = 1 ] && sleep 300; echo "bad item" >&2; exit 1'
              - name: slow
                run: sleep 300
`);
    const job = await t.api.waitForJob(id);
    expect(job.state).toBe('FAILED');
    expect(job.error).toMatch(/^exit code 1: bad item/);
    const sub = (await t.api.get(`/jobs/${job.execution[0].subjob.id}`)).body;
    expect(sub.state).toBe('FAILED');
    expect(Object.fromEntries(states(sub))).toEqual({
      fan: 'FAILED',
      loop: 'FAILED',
      slow: 'CANCELLED',
      'item 1': 'CANCELLED',
      'item 2': 'FAILED',
    });
  });
});

function readFileSafe(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

describe('sub-jobs across a restart of a standalone engine', () => {
  it('settles a parent task whose sub-job ended and cancels a sub-job whose parent stopped, when the messages were lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-sub-recovery-'));
    const path = join(dir, 'drover.db');
    const ds = new SqliteDatastore({ path });
    await ds.migrate();
    const now = new Date();
    const job = (name: string, state: JobState, extra: Partial<Job> = {}): Job => ({
      id: newId(),
      name,
      state,
      createdAt: now,
      startedAt: now,
      tasks: [{ name: 't', run: 'true' }],
      position: 1,
      taskCount: 1,
      context: {},
      ...extra,
    });
    // A parent waiting on a sub-job that completed just before the crash.
    const parent = job('parent', 'RUNNING', { output: '{{ tasks.sub }}' });
    const parentTaskId = newId();
    const finished = job('finished sub-job', 'COMPLETED', {
      parentId: parentTaskId,
      result: 'from the sub-job',
      completedAt: now,
    });
    await ds.createJob(parent);
    await ds.createJob(finished);
    await ds.createTask({
      id: parentTaskId,
      jobId: parent.id,
      position: 1,
      name: 'call',
      var: 'sub',
      state: 'RUNNING',
      createdAt: now,
      startedAt: now,
      subjob: { id: finished.id, name: 'finished sub-job', tasks: [] },
    });
    // A sub-job still running although its parent job was cancelled.
    const cancelled = job('cancelled parent', 'CANCELLED');
    const stoppedTaskId = newId();
    const orphan = job('orphan', 'RUNNING', {
      parentId: stoppedTaskId,
      tasks: [{ name: 'long', run: 'sleep 300' }],
    });
    await ds.createJob(cancelled);
    await ds.createJob(orphan);
    await ds.createTask({
      id: stoppedTaskId,
      jobId: cancelled.id,
      position: 1,
      name: 'call',
      state: 'CANCELLED',
      createdAt: now,
      subjob: { id: orphan.id, name: 'orphan', tasks: [] },
    });
    await ds.createTask({
      id: newId(),
      jobId: orphan.id,
      position: 1,
      name: 'long',
      run: 'sleep 300',
      state: 'RUNNING',
      createdAt: now,
      startedAt: now,
      queue: 'default',
    });
    await ds.close();

    const t = await startTestEngine({ DROVER_DATASTORE_SQLITE_PATH: path });
    try {
      const done = await t.api.waitForJob(parent.id);
      expect(done).toMatchObject({ state: 'COMPLETED', result: 'from the sub-job' });
      expect(done.execution[0]).toMatchObject({ state: 'COMPLETED', result: 'from the sub-job' });
      const stopped = await t.api.waitForJob(orphan.id);
      expect(stopped.state).toBe('CANCELLED');
      expect((await t.api.get(`/jobs/${cancelled.id}`)).body.state).toBe('CANCELLED');
    } finally {
      await t.engine.close();
    }
  });
});
