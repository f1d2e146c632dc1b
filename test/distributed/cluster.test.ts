import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../src/async.js';
import { closeAllConnections } from '../helpers/rabbitmq.js';
import { createCluster, jobStates, submit, type Cluster, type DroverProcess } from './cluster.js';

/** Every task appends its key to the run log, then writes OUT as its result. */
const RUN = 'echo "$KEY" >> "$RUNLOG"; printf %s "$OUT" > "$TORK_OUTPUT"';

interface Expected {
  job: unknown;
  name: string;
  result: string;
  keys: string[];
}

/** Job `i`: two sequential tasks, a parallel task of three, or an each task over three items. */
function mixedJob(i: number, runlog: string): Expected {
  const env = (key: string, out: string) => ({ RUNLOG: runlog, KEY: key, OUT: out });
  const name = `job ${i}`;
  if (i % 3 === 0) {
    return {
      name,
      result: `a${i}-b`,
      keys: [`${i}:a`, `${i}:b`],
      job: {
        name,
        output: '{{ tasks.b }}',
        tasks: [
          { name: 'a', var: 'a', env: env(`${i}:a`, `a${i}`), run: RUN },
          { name: 'b', var: 'b', env: env(`${i}:b`, '{{ tasks.a }}-b'), run: RUN },
        ],
      },
    };
  }
  if (i % 3 === 1) {
    const children = ['x', 'y', 'z'];
    return {
      name,
      result: children.map((c) => `${c}${i}`).join(''),
      keys: children.map((c) => `${i}:${c}`),
      job: {
        name,
        output: '{{ tasks.p0 }}{{ tasks.p1 }}{{ tasks.p2 }}',
        tasks: [
          {
            name: 'fan out',
            parallel: { tasks: children.map((c, k) => ({ name: c, var: `p${k}`, env: env(`${i}:${c}`, `${c}${i}`), run: RUN })) },
          },
        ],
      },
    };
  }
  return {
    name,
    result: '1,2,3',
    keys: [0, 1, 2].map((k) => `${i}:e${k}`),
    job: {
      name,
      output: '{{ tasks.e0 }},{{ tasks.e1 }},{{ tasks.e2 }}',
      tasks: [
        {
          name: 'each',
          each: {
            list: '{{ sequence(1, 4) }}',
            task: { name: 'item {{ item.value }}', var: 'e{{ item.index }}', env: env(`${i}:e{{ item.index }}`, '{{ item.value }}'), run: RUN },
          },
        },
      ],
    },
  };
}

function runLog(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
}

function countOf(lines: string[], key: string): number {
  return lines.filter((l) => l === key).length;
}

async function submitAll(urls: string[], jobs: unknown[], parallelism = 10): Promise<string[]> {
  const ids: string[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallelism }, async () => {
      while (next < jobs.length) {
        const i = next++;
        ids[i] = await submit(urls[i % urls.length]!, jobs[i]);
      }
    }),
  );
  return ids;
}

/** Wait until at least these many jobs are in these states; stop at once when a job fails instead. */
async function waitForStates(cluster: Cluster, expected: Record<string, number>, timeoutMs: number): Promise<void> {
  let last: Record<string, number> | string = 'nothing yet';
  let failure: string | undefined;
  await waitFor(
    async () => {
      last = await jobStates(cluster).catch((err: Error) => `query failed: ${err.message}`);
      const states = last;
      if (typeof states === 'string') return false;
      if ((states.FAILED ?? 0) > 0) {
        const [failed] = await cluster.sql<{ error: string }>(`select error from jobs where state = 'FAILED' limit 1`);
        failure = `a job failed: ${failed?.error}`;
        return true;
      }
      return Object.entries(expected).every(([state, n]) => (states[state] ?? 0) >= n);
    },
    { timeoutMs, intervalMs: 250, message: `jobs ${JSON.stringify(expected)}` },
  ).catch((err: Error) => {
    throw new Error(`${err.message} (last: ${JSON.stringify(last)})`);
  });
  if (failure) throw new Error(failure);
}

describe('distributed mode: coordinators and workers as separate processes', () => {
  let cluster: Cluster;
  const coordinators: DroverProcess[] = [];
  const workers: DroverProcess[] = [];
  let videoWorker: DroverProcess;
  let runlog: string;

  beforeAll(async () => {
    cluster = await createCluster();
    runlog = join(cluster.dir, 'runs.log');
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('refuses to start a coordinator before `drover migration`, which two processes may run at once', async () => {
    const early = await cluster.run(['run', 'coordinator']);
    expect(early.code).toBe(1);
    expect(early.output).toContain(
      'error: the PostgreSQL schema is not up to date (pending: 0001_initial, 0002_locks_and_webhooks, 0003_jobs_creation_order): run `drover migration` first',
    );
    const migrations = await Promise.all([cluster.run(['migration']), cluster.run(['migration'])]);
    expect(migrations.map((m) => m.code)).toEqual([0, 0]);
    const applied = await cluster.sql<{ name: string }>('select name from kysely_migration order by name');
    expect(applied.map((r) => r.name)).toEqual(['0001_initial', '0002_locks_and_webhooks', '0003_jobs_creation_order']);

    const started = await Promise.all([
      cluster.start('coordinator', { DROVER_COORDINATOR_NAME: 'coordinator-a' }),
      cluster.start('coordinator', { DROVER_COORDINATOR_NAME: 'coordinator-b' }),
      cluster.start('worker', { DROVER_WORKER_NAME: 'worker-a', DROVER_WORKER_QUEUES_DEFAULT: '2' }),
      cluster.start('worker', { DROVER_WORKER_NAME: 'worker-b', DROVER_WORKER_QUEUES_DEFAULT: '2' }),
      // Only the `video` queue, with a worker-level default timeout for tasks that set none.
      cluster.start('worker', { DROVER_WORKER_NAME: 'video', DROVER_WORKER_QUEUES_VIDEO: '1', DROVER_WORKER_LIMITS_TIMEOUT: '1s' }),
    ]);
    coordinators.push(started[0]!, started[1]!);
    workers.push(started[2]!, started[3]!);
    videoWorker = started[4]!;
    const health = await fetch(`${workers[0]!.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'UP', version: expect.any(String) });
    expect((await fetch(`${workers[0]!.url}/jobs`)).status).toBe(404);
  }, 60_000);

  it('runs 200 jobs mixing sequential, parallel and each tasks, with the right results and no task run twice', async () => {
    const expected = Array.from({ length: 200 }, (_, i) => mixedJob(i, runlog));
    const ids = await submitAll(
      coordinators.map((c) => c.url),
      expected.map((e) => e.job),
    );
    await waitForStates(cluster, { COMPLETED: 200 }, 150_000);
    const rows = await cluster.sql<{ id: string; name: string; result: string; state: string }>(
      'select id, name, result, state from jobs',
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(ids.map((id) => byId.get(id)?.state)).toEqual(ids.map(() => 'COMPLETED'));
    expect(ids.map((id) => byId.get(id)?.result)).toEqual(expected.map((e) => e.result));
    const lines = runLog(runlog);
    const keys = expected.flatMap((e) => e.keys);
    expect(lines.length).toBe(keys.length);
    expect(new Set(lines)).toEqual(new Set(keys));
    // Both workers took part.
    const nodes = await cluster.sql<{ node_id: string }>('select distinct node_id from tasks where node_id is not null');
    expect(new Set(nodes.map((n) => n.node_id))).toEqual(new Set(workers.map((w) => w.nodeId)));
  }, 180_000);

  it('routes a task by its queue to the workers of that queue, with their default timeout', async () => {
    const id = await submit(coordinators[1]!.url, {
      name: 'video',
      tasks: [{ name: 'encode', queue: 'video', run: 'sleep 5' }],
    });
    await waitFor(async () => (await cluster.sql(`select id from jobs where id = $1 and state = 'FAILED'`, [id])).length === 1, {
      timeoutMs: 20_000,
      message: 'the video job to time out',
    });
    const [task] = await cluster.sql<{ node_id: string; state: string }>('select node_id, state from tasks where job_id = $1', [id]);
    expect(task).toEqual({ node_id: videoWorker.nodeId, state: 'FAILED' });
    const record = (await (await fetch(`${coordinators[0]!.url}/jobs/${id}`)).json()) as { execution: Array<{ error: string }> };
    expect(record.execution[0]!.error).toBe('task timed out after 1s');
  }, 30_000);

  it('reports the queues of the cluster with their consumers, and refuses to delete a coordinator queue', async () => {
    const api = coordinators[0]!.url;
    const list = (await (await fetch(`${api}/queues`)).json()) as Array<{ name: string; subscribers: number }>;
    expect(list.find((q) => q.name === 'default')?.subscribers).toBe(2);
    expect(list.find((q) => q.name === 'video')?.subscribers).toBe(1);
    expect(list.find((q) => q.name === 'completed')?.subscribers).toBe(2);
    const video = await fetch(`${api}/queues/video`);
    expect(await video.json()).toEqual({ name: 'video', size: 0, subscribers: 1, unacked: 0 });
    const missing = await fetch(`${api}/queues/nope`);
    expect([missing.status, await missing.json()]).toEqual([404, { message: 'queue nope not found' }]);
    const refused = await fetch(`${api}/queues/pending`, { method: 'DELETE' });
    expect([refused.status, await refused.json()]).toEqual([400, { message: 'queue pending is not a task queue' }]);
  });

  it('brings every consumer back after all broker connections are closed, without running a running task twice', async () => {
    const gate = join(cluster.dir, 'gate');
    const long = Array.from({ length: 4 }, (_, i) => ({
      name: `long ${i}`,
      output: '{{ tasks.t }}',
      tasks: [
        {
          name: 'wait for the gate',
          var: 't',
          env: { RUNLOG: runlog, KEY: `long:${i}`, GATE: gate, OUT: `done ${i}` },
          run: `${RUN}; until [ -e "$GATE" ]; do sleep 0.05; done`,
        },
      ],
    }));
    const ids = await submitAll([coordinators[0]!.url], long);
    await waitFor(async () => (await cluster.sql(`select id from tasks where state = 'RUNNING'`)).length === 4, {
      timeoutMs: 20_000,
      message: 'the four tasks to run',
    });
    await closeAllConnections(cluster.vhost.name);
    // Every process reconnects: its health answers UP again once both of its connections are back.
    for (const p of [...coordinators, ...workers]) {
      await waitFor(async () => (await fetch(`${p.url}/health`)).status === 200, { timeoutMs: 20_000, message: `${p.mode} health` });
    }
    writeFileSync(gate, '');
    const after = Array.from({ length: 10 }, (_, i) => mixedJob(1000 + i, runlog));
    const moreIds = await submitAll(
      coordinators.map((c) => c.url),
      after.map((e) => e.job),
    );
    await waitFor(
      async () => {
        const rows = await cluster.sql<{ state: string }>('select state from jobs where id = any($1)', [[...ids, ...moreIds]]);
        return rows.filter((r) => r.state === 'COMPLETED').length === ids.length + moreIds.length;
      },
      { timeoutMs: 60_000, intervalMs: 250, message: 'the jobs around the reconnection' },
    );
    const lines = runLog(runlog);
    expect(long.map((_, i) => countOf(lines, `long:${i}`))).toEqual([1, 1, 1, 1]);
  }, 120_000);

  it('fires a scheduled job once per tick although both coordinators hold its schedule', async () => {
    const res = await fetch(`${coordinators[1]!.url}/scheduled-jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'every second', schedule: { cron: '@every 1s' }, tasks: [{ name: 'tick', run: 'true' }] }),
    });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    await waitFor(
      async () => (await cluster.sql('select id from jobs where scheduled_job_id = $1', [id])).length >= 4,
      { timeoutMs: 20_000, intervalMs: 250, message: 'four ticks' },
    );
    expect((await fetch(`${coordinators[1]!.url}/scheduled-jobs/${id}/pause`, { method: 'PUT' })).status).toBe(200);
    const ticks = await cluster.sql<{ created_at: string }>('select created_at from jobs where scheduled_job_id = $1', [id]);
    const seconds = ticks.map((t) => Math.floor(Number(t.created_at) / 1000));
    expect(new Set(seconds).size).toBe(seconds.length);
  }, 60_000);

  it('runs a task again on the other worker when its worker is killed with SIGKILL mid-task', async () => {
    const mark = join(cluster.dir, 'first-run');
    const id = await submit(coordinators[0]!.url, {
      name: 'survives its worker',
      output: '{{ tasks.t }}',
      tasks: [
        {
          name: 'long',
          var: 't',
          env: { RUNLOG: runlog, KEY: 'survivor', MARK: mark },
          run: 'echo "$KEY" >> "$RUNLOG"; if [ -e "$MARK" ]; then printf again > "$TORK_OUTPUT"; else touch "$MARK"; sleep 15; fi',
        },
      ],
    });
    const [running] = await waitFor(
      async () => {
        const rows = await cluster.sql<{ node_id: string }>(
          `select node_id from tasks where job_id = $1 and state = 'RUNNING' and node_id is not null`,
          [id],
        );
        return rows.length === 1 && existsSync(mark) ? rows : undefined;
      },
      { timeoutMs: 20_000, message: 'the task to run' },
    );
    const victim = workers.find((w) => w.nodeId === running!.node_id)!;
    const survivor = workers.find((w) => w !== victim)!;
    await victim.kill();
    await waitFor(
      async () => (await cluster.sql(`select id from jobs where id = $1 and state = 'COMPLETED'`, [id])).length === 1,
      { timeoutMs: 30_000, intervalMs: 250, message: 'the job to complete on the other worker' },
    );
    const [job] = await cluster.sql<{ state: string; result: string }>('select state, result from jobs where id = $1', [id]);
    expect(job).toEqual({ state: 'COMPLETED', result: 'again' });
    const [task] = await cluster.sql<{ node_id: string }>('select node_id from tasks where job_id = $1', [id]);
    expect(task!.node_id).toBe(survivor.nodeId);
    expect(countOf(runLog(runlog), 'survivor')).toBe(2);
  }, 60_000);

  it('finishes every job through the other coordinator when one is killed with SIGKILL', async () => {
    const [victim, survivor] = coordinators as [DroverProcess, DroverProcess];
    const batch = Array.from({ length: 30 }, (_, i) => mixedJob(2000 + i, runlog));
    const ids = await submitAll(
      [survivor.url],
      batch.map((e) => e.job),
    );
    await victim.kill();
    await waitFor(
      async () => {
        const rows = await cluster.sql<{ state: string }>(`select state from jobs where id = any($1) and state = 'COMPLETED'`, [ids]);
        return rows.length === ids.length;
      },
      { timeoutMs: 60_000, intervalMs: 250, message: 'the 30 jobs after the coordinator died' },
    );
    const rows = await cluster.sql<{ id: string; result: string }>('select id, result from jobs where id = any($1)', [ids]);
    const byId = new Map(rows.map((r) => [r.id, r.result]));
    expect(ids.map((id) => byId.get(id))).toEqual(batch.map((e) => e.result));
  }, 90_000);
});
