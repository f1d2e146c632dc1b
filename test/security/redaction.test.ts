import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { waitFor } from '../../src/async.js';
import { client } from '../helpers/http.js';
import { startStandalone, type StandaloneProcess } from '../helpers/standalone.js';

const SECRET = 'Zq9-unique-S3CRET-7Xv';
const MASK = '[REDACTED]';

/**
 * One real `drover run standalone` (debug logs, encryption key set) runs a job whose secret
 * travels everywhere: into a task's env, its output and logs, the job result, a webhook header.
 * Then every way out is checked: API responses, stored log parts, the webhook payload, the
 * server's own log, and the bytes of the SQLite file.
 */
let server: StandaloneProcess;
let receiver: Server;
const hooks: { headers: Record<string, unknown>; body: string }[] = [];
let jobId: string;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      hooks.push({ headers: req.headers, body });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  server = await startStandalone({
    env: { DROVER_LOGGING_LEVEL: 'debug', DROVER_DATASTORE_ENCRYPTION_KEY: 'a passphrase' },
  });
  api = client(server.url);
  const res = await api.postYaml<{ id: string }>(`
name: carries a secret
inputs:
  url: "https://user:${SECRET}@example.com/path"
secrets:
  token: ${SECRET}
output: "{{ tasks.echoed }}"
webhooks:
  - url: ${hookUrl}
    event: job.StateChange
    headers:
      Authorization: "Bearer {{ secrets.token }}"
tasks:
  - name: echo
    var: echoed
    env:
      TOKEN: "{{ secrets.token }}"
    run: |
      echo "the token is $TOKEN, said twice: $TOKEN$TOKEN"
      echo -n "prefix-$TOKEN-suffix" > $TORK_OUTPUT
`);
  expect(res.status, res.text).toBe(200);
  jobId = res.body.id;
  await api.waitForJob(jobId, ['COMPLETED']);
  await waitFor(() => hooks.some((h) => h.body.includes('"COMPLETED"')), {
    timeoutMs: 10_000,
    message: 'the COMPLETED webhook',
  });
});

afterAll(async () => {
  await server?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

describe('secrets in a running engine', () => {
  it('masks the secret inside longer values of job and task responses', async () => {
    const job = await api.get<Record<string, any>>(`/jobs/${jobId}`);
    expect(job.text).not.toContain(SECRET);
    expect(job.body.result).toBe(`prefix-${MASK}-suffix`);
    expect(job.body.inputs.url).toBe(`https://user:${MASK}@example.com/path`);
    expect(job.body.secrets).toEqual({ token: MASK });
    const taskId = job.body.execution[0].id as string;
    const task = await api.get<Record<string, any>>(`/tasks/${taskId}`);
    expect(task.text).not.toContain(SECRET);
    expect(task.body.env).toEqual({ TOKEN: MASK });
    const list = await api.get(`/jobs`);
    expect(list.text).not.toContain(SECRET);
  });

  it('masks the secret in logs as served and as stored', async () => {
    const logs = await api.get<{ items: { contents: string }[] }>(`/jobs/${jobId}/log`);
    expect(logs.body.items.map((p) => p.contents).join('')).toContain(
      `the token is ${MASK}, said twice: ${MASK}${MASK}`,
    );
  });

  it('sends the header the job asked for but masks the secret in webhook payloads', () => {
    const completed = hooks.find((h) => h.body.includes('"COMPLETED"'))!;
    expect(completed.headers.authorization).toBe(`Bearer ${SECRET}`);
    for (const hook of hooks) expect(hook.body).not.toContain(SECRET);
    expect(JSON.parse(completed.body)).toMatchObject({ result: `prefix-${MASK}-suffix` });
  });

  it('keeps the secret out of the server log, even in debug task output', () => {
    const log = server.logs();
    expect(log).toContain('"task output"');
    expect(log).toContain(`the token is ${MASK}`);
    expect(log).not.toContain(SECRET);
  });

  it('leaves no byte of the secret in clear in the SQLite files', async () => {
    expect(await server.stop()).toBe(0);
    const files = readdirSync(server.dataDir).filter((f) => f.startsWith('drover.db'));
    expect(files).toContain('drover.db');
    for (const file of files) {
      const bytes = readFileSync(join(server.dataDir, file));
      expect(bytes.includes(SECRET), file).toBe(false);
    }
  });
});
