import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../src/async.js';
import { startTestEngine } from '../helpers/engine.js';

describe('POST /jobs with wait on the real engine', () => {
  let t: Awaited<ReturnType<typeof startTestEngine>>;
  beforeAll(async () => {
    t = await startTestEngine();
  });
  afterAll(async () => {
    await t.engine.close();
  });

  it('answers with the whole finished job, secrets redacted', async () => {
    const res = await t.api.postYaml(`
name: waited
wait:
  timeout: 20s
secrets:
  token: abc-secret
output: "{{ tasks.a }}{{ tasks.b }} {{ secrets.token }}"
tasks:
  - name: both
    parallel:
      tasks:
        - { name: a, var: a, run: echo -n A > $TORK_OUTPUT }
        - { name: b, var: b, run: echo -n B > $TORK_OUTPUT }
`);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      name: 'waited',
      state: 'COMPLETED',
      result: 'AB [REDACTED]',
      secrets: { token: '[REDACTED]' },
    });
    expect(res.body.execution.map((x: any) => x.name)).toEqual(['both', 'a', 'b']);
    expect(res.body.context.secrets).toEqual({ token: '[REDACTED]' });
    expect(res.text).not.toContain('abc-secret');
  });

  it('answers with the failed job and its error', async () => {
    const res = await t.api.postJson({
      name: 'waited failure',
      wait: { timeout: '20s' },
      tasks: [{ name: 'no', run: 'echo oops >&2; exit 3' }],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'FAILED' });
    expect(res.body.error).toMatch(/^exit code 3: oops/);
  });

  it('answers with the cancelled job when it is cancelled during the wait', async () => {
    const pending = t.api.postYaml(`
name: waited cancel
wait:
  timeout: 20s
tasks:
  - name: long
    run: sleep 30
`);
    const job = await waitFor(
      async () => {
        const items = (await t.api.get('/jobs?q=cancel')).body.items as any[];
        return items.find((j) => j.name === 'waited cancel' && j.state === 'RUNNING');
      },
      { message: 'the waited job to run' },
    );
    expect((await t.api.put(`/jobs/${job.id}/cancel`)).status).toBe(200);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: job.id, state: 'CANCELLED' });
  });

  it('answers 408 when the job outlasts the wait, and leaves the job running', async () => {
    const res = await t.api.postYaml(`
name: waited too long
wait:
  timeout: 200ms
tasks:
  - name: long
    run: sleep 30
`);
    expect(res).toMatchObject({ status: 408, body: { message: 'timeout waiting for job to complete' } });
    const job = await waitFor(
      async () => {
        const items = (await t.api.get('/jobs?q=long')).body.items as any[];
        return items.find((j) => j.name === 'waited too long' && j.state === 'RUNNING');
      },
      { message: 'the job to keep running' },
    );
    await t.api.put(`/jobs/${job.id}/cancel`);
    await t.api.waitForJob(job.id, ['CANCELLED']);
  });

  it('rejects a wait without a usable timeout', async () => {
    const res = await t.api.postYaml(
      'name: x\nwait:\n  timeout: soon\ntasks:\n  - name: a\n    run: "true"\n',
    );
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^wait\.timeout: /);
  });
});
