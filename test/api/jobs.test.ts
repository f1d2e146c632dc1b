import { afterEach, describe, expect, it } from 'vitest';

import { REDACTED } from '../../src/model/redact.js';
import { json, makeJob, makeTask, startApi, type TestApi } from './helpers.js';

let api: TestApi | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function start(): Promise<TestApi> {
  api = await startApi();
  return api;
}

describe('GET /jobs', () => {
  it('lists summaries newest first with the page shape of Tork', async () => {
    const { app, datastore } = await start();
    const older = makeJob({ name: 'older', createdAt: new Date('2024-05-01T10:00:00Z') });
    const newer = makeJob({
      name: 'newer',
      createdAt: new Date('2024-05-01T11:00:00Z'),
      secrets: { s: 'x' },
    });
    await datastore.createJob(older);
    await datastore.createJob(newer);
    const res = await app.inject({ method: 'GET', url: '/jobs' });
    expect(res.statusCode).toBe(200);
    const page = json(res) as { items: Record<string, unknown>[] };
    expect(page).toMatchObject({ number: 1, size: 2, totalPages: 1, totalItems: 2 });
    expect(page.items.map((j) => j.name)).toEqual(['newer', 'older']);
    expect(Object.keys(page.items[0]!)).not.toContain('tasks');
    expect(Object.keys(page.items[0]!)).not.toContain('secrets');
    expect(page.items[0]).toMatchObject({
      id: newer.id,
      state: 'RUNNING',
      createdAt: '2024-05-01T11:00:00Z',
      position: 1,
      taskCount: 1,
    });
  });

  it('clamps size to 20 and page to at least 1', async () => {
    const { app, datastore } = await start();
    for (let i = 0; i < 22; i++)
      await datastore.createJob(makeJob({ createdAt: new Date(Date.UTC(2024, 0, 1, 0, i)) }));
    const big = json(await app.inject({ method: 'GET', url: '/jobs?size=50&page=0' }));
    expect(big).toMatchObject({ number: 1, size: 20, totalPages: 2, totalItems: 22 });
    const last = json(await app.inject({ method: 'GET', url: '/jobs?page=2&size=20' }));
    expect(last).toMatchObject({ number: 2, size: 2, totalPages: 2 });
    const small = json(await app.inject({ method: 'GET', url: '/jobs?size=-4' }));
    expect(small).toMatchObject({ size: 1, totalPages: 22 });
  });

  it('defaults to pages of 10 and hands q to the search', async () => {
    const { app, datastore } = await start();
    for (let i = 0; i < 11; i++)
      await datastore.createJob(makeJob({ name: `job ${i}`, tags: i === 3 ? ['blue'] : [] }));
    expect(json(await app.inject({ method: 'GET', url: '/jobs' }))).toMatchObject({
      size: 10,
      totalPages: 2,
    });
    const tagged = json(await app.inject({ method: 'GET', url: '/jobs?q=tag:blue' })) as {
      items: { name: string }[];
    };
    expect(tagged.items.map((j) => j.name)).toEqual(['job 3']);
  });

  it('redacts summary inputs whose keys look secret', async () => {
    const { app, datastore } = await start();
    await datastore.createJob(makeJob({ inputs: { db_password: 'pw', region: 'eu' } }));
    const page = json(await app.inject({ method: 'GET', url: '/jobs' })) as { items: { inputs: unknown }[] };
    expect(page.items[0]!.inputs).toEqual({ db_password: REDACTED, region: 'eu' });
  });
});

describe('GET /jobs/{id}', () => {
  it('returns the job with its execution, secrets redacted', async () => {
    const { app, datastore } = await start();
    const job = makeJob({
      secrets: { token: 'hunter2' },
      inputs: { url: 'https://hunter2@x' },
      context: { secrets: { token: 'hunter2' }, inputs: { url: 'https://hunter2@x' } },
      tasks: [{ name: 'first', run: 'echo hi', env: { PASSWORD: 'a', T: 'hunter2' } }],
    });
    await datastore.createJob(job);
    const task = makeTask(job, {
      env: { T: 'hunter2' },
      result: 'said hunter2',
      registry: { username: 'u', password: 'p' },
    });
    await datastore.createTask(task);
    const res = await app.inject({ method: 'GET', url: `/jobs/${job.id}` });
    expect(res.statusCode).toBe(200);
    const body = json(res) as Record<string, unknown>;
    expect(body.secrets).toEqual({ token: REDACTED });
    expect(body.inputs).toEqual({ url: `https://${REDACTED}@x` });
    expect(body.context).toEqual({ inputs: { url: `https://${REDACTED}@x` }, secrets: { token: REDACTED } });
    expect(body.tasks).toEqual([{ name: 'first', run: 'echo hi', env: { PASSWORD: REDACTED, T: REDACTED } }]);
    expect(body.execution).toEqual([
      {
        id: task.id,
        jobId: job.id,
        position: 1,
        name: 'first',
        state: 'RUNNING',
        createdAt: '2024-05-01T10:20:31Z',
        run: 'echo hi',
        registry: { username: 'u', password: REDACTED },
        env: { T: REDACTED },
        result: `said ${REDACTED}`,
      },
    ]);
    expect(res.body).not.toContain('hunter2');
  });

  it('always has execution, position and context, even for a job with none', async () => {
    const { app, datastore } = await start();
    const job = makeJob({ position: 0, state: 'PENDING' });
    await datastore.createJob(job);
    const body = json(await app.inject({ method: 'GET', url: `/jobs/${job.id}` })) as Record<string, unknown>;
    expect(body.execution).toEqual([]);
    expect(body.position).toBe(0);
    expect(body.context).toEqual({});
  });

  it('shows secrets in clear when redaction is disabled', async () => {
    api = await startApi({ configure: (c) => (c.middleware.job.redact.enabled = false) });
    const job = makeJob({ secrets: { token: 'hunter2' } });
    await api.datastore.createJob(job);
    const body = json(await api.app.inject({ method: 'GET', url: `/jobs/${job.id}` })) as Record<
      string,
      unknown
    >;
    expect(body.secrets).toEqual({ token: 'hunter2' });
  });

  it('shows the schedule of a scheduled instance by id only', async () => {
    const { app, datastore } = await start();
    const job = makeJob({ schedule: { id: 's1', cron: '* * * * *' } });
    await datastore.createJob(job);
    const body = json(await app.inject({ method: 'GET', url: `/jobs/${job.id}` })) as Record<string, unknown>;
    expect(body.schedule).toEqual({ id: 's1' });
  });

  it('answers 404 job not found for an unknown id', async () => {
    const { app } = await start();
    const res = await app.inject({ method: 'GET', url: '/jobs/0123' });
    expect(res.statusCode).toBe(404);
    expect(json(res)).toEqual({ message: 'job not found' });
  });
});

describe('GET /jobs/{id}/log', () => {
  it('pages the log of every task newest first, with secret values redacted', async () => {
    const { app, datastore } = await start();
    const job = makeJob({ secrets: { k: 's3cr3t' } });
    await datastore.createJob(job);
    const task = makeTask(job);
    await datastore.createTask(task);
    await datastore.createLogParts([
      { number: 1, taskId: task.id!, contents: 'one s3cr3t\n', createdAt: new Date('2024-05-01T10:00:01Z') },
      { number: 2, taskId: task.id!, contents: 'two\n', createdAt: new Date('2024-05-01T10:00:02Z') },
    ]);
    const res = await app.inject({ method: 'GET', url: `/jobs/${job.id}/log?size=1&page=2` });
    expect(res.statusCode).toBe(200);
    const page = json(res) as { items: Record<string, unknown>[] };
    expect(page).toMatchObject({ number: 2, size: 1, totalPages: 2, totalItems: 2 });
    expect(page.items[0]).toMatchObject({
      number: 1,
      taskId: task.id,
      contents: `one ${REDACTED}\n`,
      createdAt: '2024-05-01T10:00:01Z',
    });
  });

  it('clamps the log size to 100', async () => {
    const { app, datastore } = await start();
    const job = makeJob();
    await datastore.createJob(job);
    const res = await app.inject({ method: 'GET', url: `/jobs/${job.id}/log?size=1000` });
    expect(json(res)).toEqual({ items: [], number: 1, size: 0, totalPages: 0, totalItems: 0 });
  });

  it('answers 404 job not found for an unknown job', async () => {
    const { app } = await start();
    const res = await app.inject({ method: 'GET', url: '/jobs/nope/log' });
    expect(res.statusCode).toBe(404);
    expect(json(res)).toEqual({ message: 'job not found' });
  });
});

describe('PUT /jobs/{id}/cancel', () => {
  it('publishes the job as CANCELLED to the jobs queue and answers OK', async () => {
    const { app, datastore, jobMessages } = await start();
    const job = makeJob({ state: 'SCHEDULED' });
    await datastore.createJob(job);
    const res = await app.inject({ method: 'PUT', url: `/jobs/${job.id}/cancel` });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('{"status":"OK"}\n');
    await expect.poll(() => jobMessages.length).toBe(1);
    expect(jobMessages[0]).toMatchObject({ kind: 'job', job: { id: job.id, state: 'CANCELLED' } });
    expect((await datastore.getJob(job.id)).state).toBe('SCHEDULED');
  });

  it.each(['PENDING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const)(
    'refuses to cancel a %s job with 400',
    async (state) => {
      const { app, datastore, jobMessages } = await start();
      const job = makeJob({ state });
      await datastore.createJob(job);
      const res = await app.inject({ method: 'PUT', url: `/jobs/${job.id}/cancel` });
      expect(res.statusCode).toBe(400);
      expect(json(res)).toEqual({ message: 'job is not running' });
      expect(jobMessages).toEqual([]);
    },
  );

  it('answers 404 job not found for an unknown job', async () => {
    const { app } = await start();
    const res = await app.inject({ method: 'PUT', url: '/jobs/nope/cancel' });
    expect(res.statusCode).toBe(404);
    expect(json(res)).toEqual({ message: 'job not found' });
  });
});

describe('PUT /jobs/{id}/restart', () => {
  it('publishes a restart message for a failed job and answers OK', async () => {
    const { app, datastore, jobMessages } = await start();
    const job = makeJob({ state: 'FAILED' });
    await datastore.createJob(job);
    const res = await app.inject({ method: 'PUT', url: `/jobs/${job.id}/restart` });
    expect(res.statusCode).toBe(200);
    expect(json(res)).toEqual({ status: 'OK' });
    await expect.poll(() => jobMessages.length).toBe(1);
    expect(jobMessages[0]).toMatchObject({
      kind: 'job',
      restart: true,
      job: { id: job.id, state: 'FAILED' },
    });
  });

  it.each(['PENDING', 'SCHEDULED', 'RUNNING', 'COMPLETED'] as const)(
    'refuses to restart a %s job',
    async (state) => {
      const { app, datastore } = await start();
      const job = makeJob({ state });
      await datastore.createJob(job);
      const res = await app.inject({ method: 'PUT', url: `/jobs/${job.id}/restart` });
      expect(res.statusCode).toBe(400);
      expect(json(res)).toEqual({ message: `job is ${state} and can not be restarted` });
    },
  );

  it('refuses to restart a job whose position is past its last task', async () => {
    const { app, datastore, jobMessages } = await start();
    const job = makeJob({ state: 'CANCELLED', position: 2, taskCount: 1 });
    await datastore.createJob(job);
    const res = await app.inject({ method: 'PUT', url: `/jobs/${job.id}/restart` });
    expect(res.statusCode).toBe(400);
    expect(json(res)).toEqual({ message: 'job has no more tasks to run' });
    expect(jobMessages).toEqual([]);
  });

  it('answers 404 job not found for an unknown job', async () => {
    const { app } = await start();
    const res = await app.inject({ method: 'PUT', url: '/jobs/nope/restart' });
    expect(res.statusCode).toBe(404);
    expect(json(res)).toEqual({ message: 'job not found' });
  });
});
