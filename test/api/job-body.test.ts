/**
 * The exact bytes of `GET /jobs/{id}`: the read path is tuned for speed (compiled queries, no
 * defensive copies), and none of that may change a byte of what clients already parse.
 */
import { afterEach, describe, expect, it } from 'vitest';

import type { Job } from '../../src/model/job.js';
import { makeJob, makeTask, startApi, type TestApi } from './helpers.js';

let api: TestApi | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

const JOB_ID = '5f0c9a7e4b2d4c1e8a6f3b9d2e7c1a04';

/** A job touching every kind of field: maps to sort and redact, HTML characters, fractions of seconds. */
function richJob(): Job {
  return makeJob({
    id: JOB_ID,
    parentId: 'parent01',
    name: 'nightly <build> & test',
    description: 'line\u2028separated',
    tags: ['blue', 'nightly'],
    state: 'FAILED',
    createdAt: new Date('2024-05-01T10:20:30.120Z'),
    startedAt: new Date('2024-05-01T10:20:31.000Z'),
    failedAt: new Date('2024-05-01T10:25:00.5Z'),
    tasks: [
      { name: 'build', run: 'make', env: { Z: '1', A_SECRET: 'x', TOKEN: 'hunter2' }, retry: { limit: 2 } },
      { name: 'test', image: 'alpine:3', cmd: ['sh', '-c', 'echo hi'], timeout: '5m' },
    ],
    position: 2,
    inputs: { zeta: 'z', alpha: 'uses hunter2', db_password: 'pw' },
    context: {
      job: { id: JOB_ID, name: 'nightly' },
      inputs: { zeta: 'z', alpha: 'uses hunter2' },
      secrets: { token: 'hunter2' },
      tasks: { build: 'ok' },
    },
    taskCount: 2,
    output: 'out',
    result: 'result with hunter2',
    error: 'exit status 1',
    defaults: { retry: { limit: 1 }, limits: { cpus: '1', memory: '10m' }, timeout: '1h', queue: 'q', priority: 3 },
    webhooks: [{ url: 'https://example.com/hook', headers: { b: 'hunter2', a: 'x' }, event: 'job.StateChange' }],
    autoDelete: { after: '1h' },
    deleteAt: new Date('2024-05-02T10:20:30.000Z'),
    secrets: { token: 'hunter2', empty: '' },
    progress: 42.5,
    schedule: { id: 'sched01', cron: '0 * * * *' },
  });
}

async function storeRichJob(a: TestApi): Promise<void> {
  const job = richJob();
  await a.datastore.createJob(job);
  await a.datastore.createTask(
    makeTask(job, {
      id: 'task0001',
      position: 1,
      name: 'build',
      state: 'COMPLETED',
      createdAt: new Date('2024-05-01T10:20:31.001Z'),
      scheduledAt: new Date('2024-05-01T10:20:31.002Z'),
      startedAt: new Date('2024-05-01T10:20:31.010Z'),
      completedAt: new Date('2024-05-01T10:21:00Z'),
      run: 'make',
      env: { Z: '1', TOKEN: 'hunter2' },
      registry: { username: 'u', password: 'p' },
      queue: 'default',
      nodeId: 'node01',
      result: 'built with hunter2',
      exitCode: 0,
      progress: 100,
    }),
  );
  await a.datastore.createTask(
    makeTask(job, {
      id: 'task0002',
      position: 2,
      name: 'test',
      state: 'FAILED',
      createdAt: new Date('2024-05-01T10:21:00.5Z'),
      startedAt: new Date('2024-05-01T10:21:01Z'),
      failedAt: new Date('2024-05-01T10:25:00.5Z'),
      run: undefined,
      image: 'alpine:3',
      cmd: ['sh', '-c', 'echo hi'],
      error: 'exit status 1 <hunter2>',
      exitCode: 1,
      redelivered: 1,
    }),
  );
}

/** The body with the guest user's id and creation time (made at migration) replaced. */
async function normalisedBody(a: TestApi, url: string): Promise<{ status: number; type: unknown; body: string }> {
  const res = await a.app.inject({ method: 'GET', url });
  const guest = (await a.datastore.findUser('guest'))!;
  const body = res.body
    .replaceAll(guest.id!, '<guest-id>')
    .replaceAll(guest.createdAt!.toISOString().replace(/\.?0+Z$/, 'Z'), '<guest-created-at>');
  return { status: res.statusCode, type: res.headers['content-type'], body };
}

describe('GET /jobs/{id} body', () => {
  it('stays byte for byte what clients parse today', async () => {
    api = await startApi();
    await storeRichJob(api);
    const res = await normalisedBody(api, `/jobs/${JOB_ID}`);
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/json');
    expect(res.body).toMatchInlineSnapshot(`
      "{"id":"5f0c9a7e4b2d4c1e8a6f3b9d2e7c1a04","parentId":"parent01","name":"nightly \\u003cbuild\\u003e \\u0026 test","description":"line\\u2028separated","tags":["blue","nightly"],"state":"FAILED","createdAt":"2024-05-01T10:20:30.12Z","createdBy":{"id":"<guest-id>","name":"Guest","username":"guest","createdAt":"<guest-created-at>","disabled":true},"startedAt":"2024-05-01T10:20:31Z","failedAt":"2024-05-01T10:25:00.5Z","tasks":[{"name":"build","run":"make","env":{"A_SECRET":"[REDACTED]","TOKEN":"[REDACTED]","Z":"1"},"retry":{"limit":2}},{"name":"test","cmd":["sh","-c","echo hi"],"image":"alpine:3","timeout":"5m"}],"execution":[{"id":"task0001","jobId":"5f0c9a7e4b2d4c1e8a6f3b9d2e7c1a04","position":1,"name":"build","state":"COMPLETED","createdAt":"2024-05-01T10:20:31.001Z","scheduledAt":"2024-05-01T10:20:31.002Z","startedAt":"2024-05-01T10:20:31.01Z","completedAt":"2024-05-01T10:21:00Z","run":"make","registry":{"username":"u","password":"[REDACTED]"},"env":{"TOKEN":"[REDACTED]","Z":"1"},"queue":"default","nodeId":"node01","result":"built with [REDACTED]","progress":100},{"id":"task0002","jobId":"5f0c9a7e4b2d4c1e8a6f3b9d2e7c1a04","position":2,"name":"test","state":"FAILED","createdAt":"2024-05-01T10:21:00.5Z","startedAt":"2024-05-01T10:21:01Z","failedAt":"2024-05-01T10:25:00.5Z","cmd":["sh","-c","echo hi"],"image":"alpine:3","redelivered":1,"error":"exit status 1 \\u003c[REDACTED]\\u003e","exitCode":1}],"position":2,"inputs":{"alpha":"uses [REDACTED]","db_password":"[REDACTED]","zeta":"z"},"context":{"job":{"id":"5f0c9a7e4b2d4c1e8a6f3b9d2e7c1a04","name":"nightly"},"inputs":{"alpha":"uses [REDACTED]","zeta":"z"},"secrets":{"token":"[REDACTED]"},"tasks":{"build":"ok"}},"taskCount":2,"output":"out","result":"result with [REDACTED]","error":"exit status 1","defaults":{"retry":{"limit":1},"limits":{"cpus":"1","memory":"10m"},"timeout":"1h","queue":"q","priority":3},"webhooks":[{"url":"https://example.com/hook","headers":{"a":"x","b":"[REDACTED]"},"event":"job.StateChange"}],"autoDelete":{"after":"1h"},"deleteAt":"2024-05-02T10:20:30Z","secrets":{"empty":"[REDACTED]","token":"[REDACTED]"},"progress":42.5,"schedule":{"id":"sched01"}}
      "
    `);
  });

  it('stays byte for byte when pretty, and for a job without tasks', async () => {
    api = await startApi();
    await api.datastore.createJob(makeJob({ id: JOB_ID, tasks: [], position: 0, state: 'PENDING', taskCount: 0 }));
    const res = await normalisedBody(api, `/jobs/${JOB_ID}?pretty`);
    expect(res.type).toBe('application/json');
    expect(res.body).toMatchInlineSnapshot(`
      "{
        "id": "5f0c9a7e4b2d4c1e8a6f3b9d2e7c1a04",
        "name": "test job",
        "state": "PENDING",
        "createdAt": "2024-05-01T10:20:30.12Z",
        "createdBy": {
          "id": "<guest-id>",
          "name": "Guest",
          "username": "guest",
          "createdAt": "<guest-created-at>",
          "disabled": true
        },
        "tasks": [],
        "execution": [],
        "position": 0,
        "context": {}
      }
      "
    `);
  });

  it('stays byte for byte with redaction disabled', async () => {
    api = await startApi({ configure: (c) => (c.middleware.job.redact.enabled = false) });
    await storeRichJob(api);
    const res = await normalisedBody(api, `/jobs/${JOB_ID}`);
    expect(res.body).toMatchInlineSnapshot(`
      "{"id":"5f0c9a7e4b2d4c1e8a6f3b9d2e7c1a04","parentId":"parent01","name":"nightly \\u003cbuild\\u003e \\u0026 test","description":"line\\u2028separated","tags":["blue","nightly"],"state":"FAILED","createdAt":"2024-05-01T10:20:30.12Z","createdBy":{"id":"<guest-id>","name":"Guest","username":"guest","createdAt":"<guest-created-at>","disabled":true},"startedAt":"2024-05-01T10:20:31Z","failedAt":"2024-05-01T10:25:00.5Z","tasks":[{"name":"build","run":"make","env":{"A_SECRET":"x","TOKEN":"hunter2","Z":"1"},"retry":{"limit":2}},{"name":"test","cmd":["sh","-c","echo hi"],"image":"alpine:3","timeout":"5m"}],"execution":[{"id":"task0001","jobId":"5f0c9a7e4b2d4c1e8a6f3b9d2e7c1a04","position":1,"name":"build","state":"COMPLETED","createdAt":"2024-05-01T10:20:31.001Z","scheduledAt":"2024-05-01T10:20:31.002Z","startedAt":"2024-05-01T10:20:31.01Z","completedAt":"2024-05-01T10:21:00Z","run":"make","registry":{"username":"u","password":"p"},"env":{"TOKEN":"hunter2","Z":"1"},"queue":"default","nodeId":"node01","result":"built with hunter2","progress":100},{"id":"task0002","jobId":"5f0c9a7e4b2d4c1e8a6f3b9d2e7c1a04","position":2,"name":"test","state":"FAILED","createdAt":"2024-05-01T10:21:00.5Z","startedAt":"2024-05-01T10:21:01Z","failedAt":"2024-05-01T10:25:00.5Z","cmd":["sh","-c","echo hi"],"image":"alpine:3","redelivered":1,"error":"exit status 1 \\u003chunter2\\u003e","exitCode":1}],"position":2,"inputs":{"alpha":"uses hunter2","db_password":"pw","zeta":"z"},"context":{"job":{"id":"5f0c9a7e4b2d4c1e8a6f3b9d2e7c1a04","name":"nightly"},"inputs":{"alpha":"uses hunter2","zeta":"z"},"secrets":{"token":"hunter2"},"tasks":{"build":"ok"}},"taskCount":2,"output":"out","result":"result with hunter2","error":"exit status 1","defaults":{"retry":{"limit":1},"limits":{"cpus":"1","memory":"10m"},"timeout":"1h","queue":"q","priority":3},"webhooks":[{"url":"https://example.com/hook","headers":{"a":"x","b":"hunter2"},"event":"job.StateChange"}],"autoDelete":{"after":"1h"},"deleteAt":"2024-05-02T10:20:30Z","secrets":{"empty":"","token":"hunter2"},"progress":42.5,"schedule":{"id":"sched01"}}
      "
    `);
  });

  it('answers an unknown id with the same 404 body', async () => {
    api = await startApi();
    const res = await api.app.inject({ method: 'GET', url: '/jobs/nope' });
    expect([res.statusCode, res.headers['content-type'], res.body]).toMatchInlineSnapshot(`
      [
        404,
        "application/json",
        "{"message":"job not found"}
      ",
      ]
    `);
  });
});
