import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { hashPassword } from '../../src/api/auth/password.js';
import { newId } from '../../src/model/ids.js';
import type { Job } from '../../src/model/job.js';
import type { ScheduledJob } from '../../src/model/scheduled-job.js';
import { json, makeJob, makeTask, startApi, type TestApi } from './helpers.js';

const basic = (user: string): string => `Basic ${Buffer.from(`${user}:${user}-pw`).toString('base64')}`;

let api: TestApi;
/** Names only alice. */
let aliceJob: Job;
/** Names the role `team`, which bob has. */
let teamJob: Job;
/** No permissions: everyone's. */
let openJob: Job;
let aliceTaskId: string;
let aliceSchedule: ScheduledJob;

function as(user: string, method: 'GET' | 'PUT' | 'DELETE', url: string) {
  return api.app.inject({ method, url, headers: { authorization: basic(user) } });
}

beforeAll(async () => {
  api = await startApi({ configure: (config) => void (config.middleware.web.basicauth.enabled = true) });
  const ds = api.datastore;
  const users: Record<string, string> = {};
  for (const name of ['alice', 'bob', 'carol']) {
    users[name] = newId();
    await ds.createUser({ id: users[name], username: name, passwordHash: await hashPassword(`${name}-pw`) });
  }
  await ds.createRole({ id: newId(), slug: 'team', name: 'Team' });
  await ds.createRole({ id: newId(), slug: 'admin', name: 'Administrators' });
  await ds.assignRole(users.bob!, (await ds.findRole('team'))!.id!);
  await ds.assignRole(users.carol!, (await ds.findRole('admin'))!.id!);

  aliceJob = makeJob({
    name: 'alice job',
    secrets: { token: 'a-token' },
    permissions: [{ user: { username: 'alice' } }],
  });
  teamJob = makeJob({ name: 'team job', permissions: [{ role: { slug: 'team' } }] });
  openJob = makeJob({ name: 'open job', state: 'FAILED' });
  for (const job of [aliceJob, teamJob, openJob]) await ds.createJob(job);
  const task = makeTask(aliceJob);
  aliceTaskId = task.id!;
  await ds.createTask(task);
  await ds.createLogParts([
    { id: newId(), taskId: aliceTaskId, number: 1, contents: 'hello', createdAt: new Date() },
  ]);
  aliceSchedule = {
    id: newId(),
    name: 'alice schedule',
    cron: '0 0 * * *',
    state: 'ACTIVE',
    tasks: [{ name: 't', run: 'echo' }],
    createdAt: new Date(),
    permissions: [{ user: { username: 'alice' } }],
  };
  await ds.createScheduledJob(aliceSchedule);
});

afterAll(async () => {
  await api.close();
});

const names = (res: { body: string }): string[] =>
  (json(res) as { items: { name: string }[] }).items.map((item) => item.name).sort();

describe('job permissions', () => {
  it('filters the job list by user, role and admin', async () => {
    expect(names(await as('alice', 'GET', '/jobs'))).toEqual(['alice job', 'open job']);
    expect(names(await as('bob', 'GET', '/jobs'))).toEqual(['open job', 'team job']);
    expect(names(await as('carol', 'GET', '/jobs'))).toEqual(['alice job', 'open job', 'team job']);
  });

  it('answers 404 job not found, never 403, for every read and change of a job not visible', async () => {
    for (const [method, path] of [
      ['GET', ''],
      ['GET', '/log'],
      ['PUT', '/cancel'],
      ['PUT', '/restart'],
    ] as const) {
      const res = await as('bob', method, `/jobs/${aliceJob.id}${path}`);
      expect(res.statusCode, path).toBe(404);
      expect(json(res)).toEqual({ message: 'job not found' });
    }
    expect(api.jobMessages).toEqual([]);
    expect((await api.datastore.getJob(aliceJob.id)).state).toBe('RUNNING');
  });

  it('hides the tasks and task logs of a job not visible', async () => {
    for (const path of ['', '/log']) {
      const res = await as('bob', 'GET', `/tasks/${aliceTaskId}${path}`);
      expect(res.statusCode).toBe(404);
      expect(json(res)).toEqual({ message: 'task not found' });
    }
  });

  it('lets a named user read the job, its task and logs', async () => {
    expect((await as('alice', 'GET', `/jobs/${aliceJob.id}`)).statusCode).toBe(200);
    expect((await as('alice', 'GET', `/tasks/${aliceTaskId}`)).statusCode).toBe(200);
    const log = await as('alice', 'GET', `/jobs/${aliceJob.id}/log`);
    expect((json(log) as { items: { contents: string }[] }).items[0]?.contents).toBe('hello');
  });

  it('lets a member of a named role and an admin read the job', async () => {
    expect((await as('bob', 'GET', `/jobs/${teamJob.id}`)).statusCode).toBe(200);
    expect((await as('alice', 'GET', `/jobs/${teamJob.id}`)).statusCode).toBe(404);
    expect((await as('carol', 'GET', `/jobs/${aliceJob.id}`)).statusCode).toBe(200);
  });

  it('lets everyone see a job without permissions', async () => {
    const res = await as('bob', 'PUT', `/jobs/${openJob.id}/restart`);
    expect(res.statusCode).toBe(200);
  });

  it('lets a permitted user cancel', async () => {
    const res = await as('alice', 'PUT', `/jobs/${aliceJob.id}/cancel`);
    expect(res.statusCode).toBe(200);
    expect(
      api.jobMessages.some(
        (m) => m.kind === 'job' && m.job.id === aliceJob.id && m.job.state === 'CANCELLED',
      ),
    ).toBe(true);
  });
});

describe('admin-only actions', () => {
  it('lets only admins delete a queue', async () => {
    const res = await as('bob', 'DELETE', '/queues/default');
    expect(res.statusCode).toBe(403);
    expect(json(res)).toEqual({ message: 'only admins can delete queues' });
    expect((await as('carol', 'DELETE', '/queues/no-such-queue')).statusCode).toBe(404);
  });
});

describe('scheduled job permissions', () => {
  it('filters the list and hides reads and changes of a schedule not visible', async () => {
    const list = (user: string) => as(user, 'GET', '/scheduled-jobs').then(names);
    expect(await list('alice')).toEqual(['alice schedule']);
    expect(await list('bob')).toEqual([]);
    expect(await list('carol')).toEqual(['alice schedule']);
    for (const [method, path] of [
      ['GET', ''],
      ['PUT', '/pause'],
      ['PUT', '/resume'],
      ['DELETE', ''],
    ] as const) {
      const res = await as('bob', method, `/scheduled-jobs/${aliceSchedule.id}${path}`);
      expect(res.statusCode, `${method} ${path}`).toBe(404);
      expect(json(res)).toEqual({ message: 'scheduled job not found' });
    }
    expect((await api.datastore.getScheduledJob(aliceSchedule.id)).state).toBe('ACTIVE');
    expect((await as('alice', 'PUT', `/scheduled-jobs/${aliceSchedule.id}/pause`)).statusCode).toBe(200);
  });
});
