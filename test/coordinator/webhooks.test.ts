import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../src/async.js';
import type { WebhookDelivery } from '../../src/datastore/datastore.js';
import { SqliteDatastore } from '../../src/datastore/sqlite.js';
import { startTestEngine } from '../helpers/engine.js';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  text: string;
  body: any;
}

/**
 * A webhook receiver on loopback. `/flaky/…` answers 503 to the first two attempts of each
 * distinct body, `/down/…` answers 503 while `down` is set, everything else 200. `received`
 * holds the requests that were answered 200.
 */
async function startReceiver() {
  const received: Received[] = [];
  const attempts = new Map<string, number>();
  const state = { down: true };
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      const path = req.url ?? '';
      const key = `${path} ${text}`;
      const n = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, n);
      const fail = (path.startsWith('/flaky') && n <= 2) || (path.startsWith('/down') && state.down);
      if (!fail) received.push({ path, headers: req.headers, text, body: JSON.parse(text) });
      res.writeHead(fail ? 503 : 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    state,
    at: (prefix: string) => received.filter((r) => r.path.startsWith(prefix)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

describe('webhooks on the real engine', () => {
  let t: Awaited<ReturnType<typeof startTestEngine>>;
  let hook: Receiver;
  let ds: SqliteDatastore;

  beforeAll(async () => {
    hook = await startReceiver();
    t = await startTestEngine({}, { tuning: { webhooks: { backoffMs: 30, pollMs: 50 } } });
    // A second connection to the engine's database, to read the outbox.
    ds = new SqliteDatastore({ path: join(t.dir, 'drover.db') });
  });
  afterAll(async () => {
    await t.engine.close();
    await ds.close();
    await hook.close();
  });

  /** The job's outbox rows, once none is waiting any more. */
  async function settledOutbox(jobId: string): Promise<WebhookDelivery[]> {
    return waitFor(
      async () => {
        const rows = await ds.getWebhooks(jobId);
        return rows.length > 0 && rows.every((r) => r.state !== 'PENDING') ? rows : undefined;
      },
      { message: `webhooks of ${jobId} to settle` },
    );
  }

  it('delivers job state changes after two failed attempts, with evaluated headers and redacted payloads', async () => {
    const res = await t.api.postYaml(`
name: hooked
inputs:
  user: ann
  db_password: hunter2
secrets:
  token: tok-123456
output: "result has {{ secrets.token }}"
webhooks:
  - url: ${hook.url}/flaky/state
    headers:
      X-User: "{{ inputs.user }}"
      X-Job: "{{ job.name }}"
tasks:
  - name: one
    run: "true"
`);
    const id = res.body.id;
    expect((await t.api.waitForJob(id)).state).toBe('COMPLETED');
    const rows = await settledOutbox(id);
    expect(rows.map((r) => [r.event, r.state, r.attempts])).toEqual([
      ['job.StateChange', 'DELIVERED', 3],
      ['job.StateChange', 'DELIVERED', 3],
      ['job.StateChange', 'DELIVERED', 3],
    ]);
    const got = hook.at('/flaky/state').filter((r) => r.body.id === id);
    expect(got.map((r) => r.body.state).sort()).toEqual(['COMPLETED', 'RUNNING', 'SCHEDULED']);
    for (const r of got) {
      expect(r.headers['content-type']).toBe('application/json; charset=UTF-8');
      expect(r.headers['x-user']).toBe('ann');
      expect(r.headers['x-job']).toBe('hooked');
      expect(r.text).not.toContain('tok-123456');
      expect(r.text).not.toContain('hunter2');
      expect(r.body.inputs).toEqual({ user: 'ann', db_password: '[REDACTED]' });
    }
    const done = got.find((r) => r.body.state === 'COMPLETED')!.body;
    expect(done).toMatchObject({ name: 'hooked', result: 'result has [REDACTED]', taskCount: 1 });
    expect(done.tasks).toBeUndefined();
  });

  it('fires each event kind only where the hook asks for it and its if is true', async () => {
    const res = await t.api.postYaml(`
name: events
inputs:
  hook: ${hook.url}
secrets:
  tok: zz-top-secret
webhooks:
  - url: ${hook.url}/ok/task-completed
    event: task.StateChange
    if: "{{ task.State == 'COMPLETED' }}"
  - url: ${hook.url}/ok/task-progress
    event: task.Progress
  - url: ${hook.url}/ok/job-progress
    event: job.Progress
  - url: ${hook.url}/ok/job-failed
    if: "{{ job.State == 'FAILED' }}"
tasks:
  - name: halfway
    env:
      TOK: "{{ secrets.tok }}"
    run: |
      echo 50 > $TORK_PROGRESS
      sleep 1.3
      echo -n "$TOK" > $TORK_OUTPUT
  - name: child
    subjob:
      name: sub
      webhooks:
        - url: "{{ inputs.hook }}/ok/sub"
          if: "{{ job.State == 'COMPLETED' }}"
      tasks:
        - name: in sub
          run: "true"
`);
    expect(res.status, res.text).toBe(200);
    const id = res.body.id;
    const job = await t.api.waitForJob(id);
    expect(job.state).toBe('COMPLETED');
    const subId = job.execution[1].subjob.id;
    await settledOutbox(id);
    await settledOutbox(subId);
    const mine = (prefix: string) =>
      hook.at(prefix).filter((r) => r.body.jobId === id || r.body.id === id || r.body.id === subId);

    expect(mine('/ok/task-completed').map((r) => [r.body.name, r.body.state, r.body.result])).toEqual([
      ['halfway', 'COMPLETED', '[REDACTED]'],
      ['child', 'COMPLETED', undefined],
    ]);
    expect(hook.received.filter((r) => r.text.includes('zz-top-secret'))).toEqual([]);
    expect(mine('/ok/task-progress').map((r) => [r.body.name, r.body.progress])).toEqual([['halfway', 50]]);
    const jobProgress = mine('/ok/job-progress').map((r) => r.body.progress);
    expect(jobProgress).toContain(25);
    expect(Math.max(...jobProgress)).toBe(100);
    expect(mine('/ok/job-failed')).toEqual([]);
    expect(mine('/ok/sub').map((r) => [r.body.id, r.body.name, r.body.state])).toEqual([
      [subId, 'sub', 'COMPLETED'],
    ]);
  });
});

describe('the webhook outbox across restarts', () => {
  it('keeps retrying a delivery after the engine restarts', async () => {
    const hook = await startReceiver();
    const first = await startTestEngine({}, { tuning: { webhooks: { backoffMs: 1000, pollMs: 50 } } });
    const path = join(first.dir, 'drover.db');
    const ds = new SqliteDatastore({ path });
    try {
      const res = await first.api.postYaml(`
name: survives
webhooks:
  - url: ${hook.url}/down/restart
    if: "{{ job.State == 'COMPLETED' }}"
tasks:
  - name: one
    run: "true"
`);
      const id = res.body.id;
      await first.api.waitForJob(id);
      await waitFor(async () => (await ds.getWebhooks(id))[0]?.attempts === 1, {
        message: 'a first failed attempt',
      });
      await first.engine.close();
      expect(hook.at('/down')).toEqual([]);

      hook.state.down = false;
      const second = await startTestEngine(
        { DROVER_DATASTORE_SQLITE_PATH: path },
        { tuning: { webhooks: { backoffMs: 30, pollMs: 50 } } },
      );
      try {
        const [row] = await waitFor(
          async () => {
            const rows = await ds.getWebhooks(id);
            return rows[0]?.state === 'DELIVERED' ? rows : undefined;
          },
          { message: 'delivery after the restart' },
        );
        expect(row).toMatchObject({ attempts: 2, event: 'job.StateChange' });
        expect(hook.at('/down').map((r) => [r.body.id, r.body.state])).toEqual([[id, 'COMPLETED']]);
      } finally {
        await second.engine.close();
      }
    } finally {
      await ds.close();
      await hook.close();
    }
  });
});
