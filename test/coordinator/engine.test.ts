import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../src/async.js';
import { startTestEngine } from '../helpers/engine.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the standalone engine', () => {
  let t: Awaited<ReturnType<typeof startTestEngine>>;
  beforeAll(async () => {
    t = await startTestEngine();
  });
  afterAll(async () => {
    await t.engine.close();
  });

  it('cancels a running job at once and leaves no process of its task behind', async () => {
    const pids = join(t.dir, 'cancel-pids');
    const res = await t.api.postYaml(`
name: to cancel
tasks:
  - name: long
    run: |
      sleep 300 &
      echo "$$ $!" > ${pids}
      wait
`);
    const id = res.body.id;
    await waitFor(() => existsSync(pids) && readFileSync(pids, 'utf8').trim().split(' ').length === 2, { message: 'pids file' });
    const [shell, child] = readFileSync(pids, 'utf8').trim().split(' ').map(Number) as [number, number];
    expect(isAlive(shell) && isAlive(child)).toBe(true);
    // A task is reported started once it has run for STARTED_DELAY_MS: the pids can come sooner.
    expect((await t.api.waitForJob(id, ['RUNNING'])).state).toBe('RUNNING');

    const cancel = await t.api.put(`/jobs/${id}/cancel`);
    expect(cancel.status).toBe(200);
    expect(cancel.body).toEqual({ status: 'OK' });
    const job = await t.api.waitForJob(id, ['CANCELLED']);
    expect(job.execution[0].state).toBe('CANCELLED');
    await waitFor(() => !isAlive(shell) && !isAlive(child), { message: 'task processes to exit' });
    // A second cancel is refused with Tork's message.
    const again = await t.api.put(`/jobs/${id}/cancel`);
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ message: 'job is not running' });
  });

  it('restarts a failed job at the failed task with the context of the earlier ones', async () => {
    const flag = join(t.dir, 'restart-flag');
    const res = await t.api.postYaml(`
name: restartable
output: "{{ tasks.first }} {{ tasks.second }}"
tasks:
  - name: first
    var: first
    run: echo -n one > $TORK_OUTPUT
  - name: second
    var: second
    env:
      PREV: "{{ tasks.first }}"
    run: |
      test -f ${flag} || { echo "no flag yet" >&2; exit 1; }
      echo -n "$PREV-two" > $TORK_OUTPUT
`);
    const id = res.body.id;
    const failed = await t.api.waitForJob(id, ['FAILED']);
    expect(failed.error).toMatch(/^exit code 1: no flag yet/);
    writeFileSync(flag, '');
    expect((await t.api.put(`/jobs/${id}/restart`)).status).toBe(200);
    const done = await t.api.waitForJob(id, ['COMPLETED', 'FAILED']);
    expect(done.state).toBe('COMPLETED');
    expect(done.result).toBe('one one-two');
    expect(done.execution.map((x: any) => [x.name, x.state])).toEqual([
      ['first', 'COMPLETED'],
      ['second', 'FAILED'],
      ['second', 'COMPLETED'],
    ]);
    expect(done.failedAt).toBeUndefined();
    const refused = await t.api.put(`/jobs/${id}/restart`);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ message: 'job is COMPLETED and can not be restarted' });
  });

  it('fails the job when a later task has an expression that cannot be evaluated', async () => {
    const res = await t.api.postYaml(`
name: bad expression later
tasks:
  - name: fine
    run: "true"
  - name: broken
    env:
      X: "{{ int('abc') }}"
    run: echo should not run
`);
    const job = await t.api.waitForJob(res.body.id);
    expect(job.state).toBe('FAILED');
    expect(job.execution[1].state).toBe('FAILED');
    expect(job.error).toContain("int('abc')");
  });

  it('keeps a task on a queue that no worker consumes SCHEDULED, and lists the queue', async () => {
    const res = await t.api.postYaml(`
name: nobody listens
tasks:
  - name: waits
    queue: gpu
    run: "true"
`);
    const id = res.body.id;
    await t.api.waitForJob(id, ['SCHEDULED']);
    await waitFor(async () => (await t.api.get(`/jobs/${id}`)).body.execution[0]?.state === 'SCHEDULED');
    const queue = await t.api.get('/queues/gpu');
    expect(queue.body).toEqual({ name: 'gpu', size: 1, subscribers: 0, unacked: 0 });
    expect((await t.api.put(`/jobs/${id}/cancel`)).status).toBe(200);
    await t.api.waitForJob(id, ['CANCELLED']);
  });

  it('reports itself as a coordinator and a worker node with heartbeats', async () => {
    const nodes = await waitFor(async () => {
      const body = (await t.api.get('/nodes')).body as any[];
      return body.length >= 2 ? body : undefined;
    });
    expect(nodes.map((n) => n.name)).toEqual(['Coordinator', 'Worker']);
    for (const node of nodes) {
      expect(node).toMatchObject({ status: 'UP', version: expect.any(String), hostname: expect.any(String) });
    }
    expect(nodes[1].queue).toBe(`x-${nodes[1].id}`);
  });
});
