import { afterEach, describe, expect, it } from 'vitest';

import { REDACTED } from '../../src/model/redact.js';
import { json, makeJob, makeTask, startApi, type TestApi } from './helpers.js';

let api: TestApi | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('GET /tasks/{id}', () => {
  it('returns the task redacted with its job secrets', async () => {
    api = await startApi();
    const job = makeJob({ secrets: { k: 'pa55' } });
    await api.datastore.createJob(job);
    const task = makeTask(job, {
      state: 'FAILED',
      failedAt: new Date('2024-05-01T10:20:32.5Z'),
      error: 'bad pa55',
      env: { MY_SECRET: 'x', PLAIN: 'value pa55' },
      exitCode: 2,
    });
    await api.datastore.createTask(task);
    const res = await api.app.inject({ method: 'GET', url: `/tasks/${task.id}` });
    expect(res.statusCode).toBe(200);
    expect(json(res)).toEqual({
      id: task.id,
      jobId: job.id,
      position: 1,
      name: 'first',
      state: 'FAILED',
      createdAt: '2024-05-01T10:20:31Z',
      failedAt: '2024-05-01T10:20:32.5Z',
      run: 'echo hi',
      env: { MY_SECRET: REDACTED, PLAIN: `value ${REDACTED}` },
      error: `bad ${REDACTED}`,
      exitCode: 2,
    });
  });

  it('answers 404 task not found for an unknown id', async () => {
    api = await startApi();
    const res = await api.app.inject({ method: 'GET', url: '/tasks/nope' });
    expect(res.statusCode).toBe(404);
    expect(json(res)).toEqual({ message: 'task not found' });
  });
});

describe('GET /tasks/{id}/log', () => {
  it('pages the task log newest first with size 25 by default and secrets redacted', async () => {
    api = await startApi();
    const job = makeJob({ secrets: { k: 'pa55' } });
    await api.datastore.createJob(job);
    const task = makeTask(job);
    await api.datastore.createTask(task);
    const parts = Array.from({ length: 30 }, (_, i) => ({
      number: i + 1,
      taskId: task.id!,
      contents: `line ${i + 1} pa55\n`,
    }));
    await api.datastore.createLogParts(parts);
    const res = await api.app.inject({ method: 'GET', url: `/tasks/${task.id}/log` });
    expect(res.statusCode).toBe(200);
    const page = json(res) as { items: { number: number; contents: string }[] };
    expect(page).toMatchObject({ number: 1, size: 25, totalPages: 2, totalItems: 30 });
    expect(page.items[0]).toMatchObject({ number: 30, contents: `line 30 ${REDACTED}\n` });
  });

  it('clamps the size to 100', async () => {
    api = await startApi();
    const job = makeJob();
    await api.datastore.createJob(job);
    const task = makeTask(job);
    await api.datastore.createTask(task);
    await api.datastore.createLogParts(
      Array.from({ length: 101 }, (_, i) => ({ number: i + 1, taskId: task.id!, contents: 'x' })),
    );
    const page = json(await api.app.inject({ method: 'GET', url: `/tasks/${task.id}/log?size=500` }));
    expect(page).toMatchObject({ size: 100, totalPages: 2, totalItems: 101 });
  });

  it('answers 404 task not found for an unknown task', async () => {
    api = await startApi();
    const res = await api.app.inject({ method: 'GET', url: '/tasks/nope/log' });
    expect(res.statusCode).toBe(404);
    expect(json(res)).toEqual({ message: 'task not found' });
  });
});
