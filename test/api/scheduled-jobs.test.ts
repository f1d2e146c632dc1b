import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../src/async.js';
import { startTestEngine } from '../helpers/engine.js';

const NIGHTLY = `
name: nightly report
description: every night
tags: [report]
schedule:
  cron: "0 2 * * *"
inputs:
  region: eu
secrets:
  api_key: k-123
tasks:
  - name: report
    run: echo report
`;

describe('/scheduled-jobs on the real engine', () => {
  let t: Awaited<ReturnType<typeof startTestEngine>>;
  beforeAll(async () => {
    t = await startTestEngine();
  });
  afterAll(async () => {
    await t.engine.close();
  });

  it('creates, reads, lists, pauses, resumes and deletes a schedule with Tork shapes and messages', async () => {
    const created = await t.api.postYaml(NIGHTLY, '/scheduled-jobs');
    expect(created.status, created.text).toBe(200);
    const id = created.body.id;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(created.body).toMatchObject({
      name: 'nightly report',
      description: 'every night',
      state: 'ACTIVE',
      cron: '0 2 * * *',
      tags: ['report'],
      inputs: { region: 'eu' },
      createdBy: { username: 'guest' },
    });
    expect(created.body.tasks).toBeUndefined();

    const one = await t.api.get(`/scheduled-jobs/${id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      id,
      state: 'ACTIVE',
      cron: '0 2 * * *',
      tasks: [{ name: 'report', run: 'echo report' }],
    });
    expect(one.body.secrets).toEqual({ api_key: '[REDACTED]' });

    const list = await t.api.get('/scheduled-jobs?page=1&size=5');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ number: 1, size: 1, totalPages: 1, totalItems: 1 });
    expect(list.body.items.map((s: any) => [s.id, s.state])).toEqual([[id, 'ACTIVE']]);

    expect(await t.api.put(`/scheduled-jobs/${id}/pause`)).toMatchObject({
      status: 200,
      body: { status: 'OK' },
    });
    expect(await t.api.put(`/scheduled-jobs/${id}/pause`)).toMatchObject({
      status: 400,
      body: { message: 'scheduled job is not active' },
    });
    expect((await t.api.get(`/scheduled-jobs/${id}`)).body.state).toBe('PAUSED');
    expect(await t.api.put(`/scheduled-jobs/${id}/resume`)).toMatchObject({
      status: 200,
      body: { status: 'OK' },
    });
    expect(await t.api.put(`/scheduled-jobs/${id}/resume`)).toMatchObject({
      status: 400,
      body: { message: 'scheduled job is not paused' },
    });

    expect(await t.api.request('DELETE', `/scheduled-jobs/${id}`)).toMatchObject({
      status: 200,
      body: { status: 'OK' },
    });
    const missing = { status: 404, body: { message: 'scheduled job not found' } };
    expect(await t.api.get(`/scheduled-jobs/${id}`)).toMatchObject(missing);
    expect(await t.api.put(`/scheduled-jobs/${id}/pause`)).toMatchObject(missing);
    expect(await t.api.put(`/scheduled-jobs/${id}/resume`)).toMatchObject(missing);
    expect(await t.api.request('DELETE', `/scheduled-jobs/${id}`)).toMatchObject(missing);
  });

  it('rejects at submit a cron the scheduler cannot run, and stores nothing', async () => {
    const never = await t.api.postYaml(NIGHTLY.replace('0 2 * * *', '0 0 30 2 *'), '/scheduled-jobs');
    expect(never).toMatchObject({
      status: 400,
      body: { message: 'schedule.cron: "0 0 30 2 *" never fires (no date matches it)' },
    });
    const sixFields = await t.api.postYaml(NIGHTLY.replace('0 2 * * *', '0 0 2 * * *'), '/scheduled-jobs');
    expect(sixFields.status).toBe(400);
    expect(sixFields.body.message).toMatch(/^schedule\.cron: "0 0 2 \* \* \*" has 6 fields/);
    const noSchedule = await t.api.postYaml(
      NIGHTLY.replace(/schedule:\n {2}cron: "0 2 \* \* \*"\n/, ''),
      '/scheduled-jobs',
    );
    expect(noSchedule).toMatchObject({ status: 400, body: { message: 'schedule: is required' } });
    expect((await t.api.get('/scheduled-jobs')).body.totalItems).toBe(0);
  });

  it('fires an @every 1s schedule whose jobs carry its defaults, stops when paused, and deletes its jobs with it', async () => {
    const created = await t.api.postYaml(
      `
name: every second
schedule:
  cron: "@every 1s"
defaults:
  timeout: 30s
  priority: 3
  retry:
    limit: 2
tasks:
  - name: tick
    run: echo tick
`,
      '/scheduled-jobs',
    );
    expect(created.status, created.text).toBe(200);
    const id = created.body.id;
    const instances = async () =>
      ((await t.api.get('/jobs?size=20')).body.items as any[]).filter((j) => j.schedule?.id === id);
    const [first] = await waitFor(
      async () => {
        const found = await instances();
        return found.length >= 2 ? found : undefined;
      },
      { message: 'two instances', timeoutMs: 5000 },
    );
    const job = await t.api.waitForJob(first.id);
    expect(job.state).toBe('COMPLETED');
    expect(job.execution[0]).toMatchObject({ timeout: '30s', priority: 3, retry: { limit: 2 } });

    expect((await t.api.put(`/scheduled-jobs/${id}/pause`)).status).toBe(200);
    const pausedAt = Date.now();
    // A second schedule is the clock: once it has fired twice, the paused one had two ticks too.
    const witness = await t.api.postYaml(
      `name: witness\nschedule:\n  cron: "@every 1s"\ntasks:\n  - name: w\n    run: "true"\n`,
      '/scheduled-jobs',
    );
    await waitFor(
      async () => {
        const items = (await t.api.get('/jobs?size=20')).body.items as any[];
        return items.filter((j) => j.schedule?.id === witness.body.id).length >= 2;
      },
      { message: 'the witness to fire twice', timeoutMs: 5000 },
    );
    const late = (await instances()).filter((j) => Date.parse(j.createdAt) > pausedAt + 100);
    expect(late).toEqual([]);

    const before = await instances();
    expect((await t.api.request('DELETE', `/scheduled-jobs/${id}`)).status).toBe(200);
    for (const j of before) expect((await t.api.get(`/jobs/${j.id}`)).status).toBe(404);
    await t.api.request('DELETE', `/scheduled-jobs/${witness.body.id}`);
  });
});
