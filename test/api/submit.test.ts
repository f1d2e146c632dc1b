import http from 'node:http';

import { afterEach, describe, expect, it } from 'vitest';

import { parseJob } from '../../src/input/validate.js';
import type { Job } from '../../src/model/job.js';
import { REDACTED } from '../../src/model/redact.js';
import { deferred } from '../../src/async.js';
import type { Message, PublishOptions } from '../../src/broker/broker.js';
import { UnavailableError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { CountingBroker, json, startApi, type TestApi } from './helpers.js';

let api: TestApi | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** Delivers a `jobs` message at once; its publish settles as `confirmed` does. */
class ConfirmGatedBroker extends CountingBroker {
  constructor(private readonly confirmed: Promise<void>) {
    super({ logger: silentLogger() });
  }

  override async publish(queue: string, message: Message, options?: PublishOptions): Promise<void> {
    await super.publish(queue, message, options);
    if (queue === 'jobs') await this.confirmed;
  }
}

const YAML_JOB =
  'name: hello <world>\ninputs:\n  api_password: pw\ntasks:\n  - name: first\n    run: echo hi\n';

/** The message the input module gives for a body, to compare the API's answer with. */
function inputMessage(body: string, contentType: string | undefined, allowComposite = true): string {
  try {
    parseJob(body, contentType, { allowComposite });
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the body to be rejected');
}

function post(app: TestApi['app'], payload: string, contentType?: string, url = '/jobs') {
  return app.inject({
    method: 'POST',
    url,
    payload,
    headers: contentType ? { 'content-type': contentType } : {},
  });
}

describe('POST /jobs', () => {
  it('stores a YAML job PENDING, publishes it and answers with its summary', async () => {
    api = await startApi();
    const res = await post(api.app, YAML_JOB, 'text/yaml');
    expect(res.statusCode).toBe(200);
    const body = json(res) as Record<string, unknown>;
    expect(body).toMatchObject({ name: 'hello <world>', state: 'PENDING', position: 0, taskCount: 1 });
    expect(body.id).toMatch(/^[0-9a-f]{32}$/);
    expect(body.inputs).toEqual({ api_password: REDACTED });
    expect(body.createdBy).toMatchObject({ username: 'guest' });
    expect(Object.keys(body)).not.toContain('tasks');
    expect(res.body).toContain('hello \\u003cworld\\u003e');

    const stored = await api.datastore.getJob(body.id as string);
    expect(stored).toMatchObject({
      state: 'PENDING',
      inputs: { api_password: 'pw' },
      tasks: [{ name: 'first', run: 'echo hi' }],
    });
    await expect.poll(() => api!.jobMessages.length).toBe(1);
    expect(api.jobMessages[0]).toMatchObject({ kind: 'job', job: { id: body.id, state: 'PENDING' } });
  });

  it('accepts JSON, with or without a charset parameter', async () => {
    api = await startApi();
    const body = JSON.stringify({ name: 'j', tasks: [{ name: 't', run: 'true' }] });
    expect((await post(api.app, body, 'application/json')).statusCode).toBe(200);
    expect((await post(api.app, body, 'application/json; charset=utf-8')).statusCode).toBe(200);
  });

  it.each([
    ['a missing content type', YAML_JOB, undefined],
    ['an unknown content type', YAML_JOB, 'text/plain'],
    ['an empty body', '', 'text/yaml'],
    ['malformed JSON', '{"name": ', 'application/json'],
    ['an invalid definition', 'name: x\ntasks:\n  - run: echo\n    bogus: 1\n', 'text/yaml'],
  ])(
    'rejects %s with 400 and the input module message, storing nothing',
    async (_what, payload, contentType) => {
      api = await startApi();
      const res = await post(api.app, payload, contentType);
      expect(res.statusCode).toBe(400);
      expect(json(res)).toEqual({ message: inputMessage(payload, contentType) });
      expect((await api.datastore.listJobs({ page: 1, size: 10 })).totalItems).toBe(0);
      expect(api.jobMessages).toEqual([]);
    },
  );

  it('names the content type in the message for an unknown one', async () => {
    api = await startApi();
    const res = await post(api.app, YAML_JOB, 'text/plain');
    expect(json(res)).toEqual({ message: 'unknown content type: text/plain' });
  });

  it('rejects composite tasks while the engine cannot run them', async () => {
    api = await startApi({ allowComposite: false });
    const payload =
      'name: x\ntasks:\n  - name: p\n    parallel:\n      tasks:\n        - name: a\n          run: echo\n';
    const res = await post(api.app, payload, 'text/yaml');
    expect(res.statusCode).toBe(400);
    expect(json(res)).toEqual({ message: inputMessage(payload, 'text/yaml', false) });
  });

  it('answers 413 for a body over the configured limit', async () => {
    api = await startApi({ configure: (c) => (c.middleware.web.bodylimit = 100) });
    const res = await post(api.app, YAML_JOB + '#'.repeat(200), 'text/yaml');
    expect(res.statusCode).toBe(413);
    expect(res.body).toBe('{"message":"Request Entity Too Large"}\n');
  });

  it('rejects permissions naming an unknown user or role', async () => {
    api = await startApi();
    const payload = `${YAML_JOB}permissions:\n  - user: nobody\n  - role: nothing\n`;
    const res = await post(api.app, payload, 'text/yaml');
    expect(res.statusCode).toBe(400);
    expect(json(res)).toEqual({
      message:
        'permissions[0].user: user "nobody" does not exist\npermissions[1].role: role "nothing" does not exist',
    });
  });

  it('stores permissions naming existing users', async () => {
    api = await startApi();
    await api.datastore.createUser({ id: 'u1', username: 'alice', name: 'Alice', createdAt: new Date() });
    const res = await post(api.app, `${YAML_JOB}permissions:\n  - user: alice\n`, 'text/yaml');
    expect(res.statusCode).toBe(200);
    const stored = await api.datastore.getJob((json(res) as { id: string }).id);
    expect(stored.permissions).toMatchObject([{ user: { username: 'alice' } }]);
  });
});

describe('POST /jobs in wait mode', () => {
  const WAIT_JOB = `${YAML_JOB}secrets:\n  token: t0ken\nwait:\n  timeout: 1m\n`;

  /** Answer the first job message with a terminal event, as a coordinator would. */
  async function finishFirstJob(test: TestApi, topic: string, change: Partial<Job>): Promise<void> {
    await expect.poll(() => test.jobMessages.length).toBe(1);
    const message = test.jobMessages[0]!;
    if (message.kind !== 'job') throw new Error('expected a job message');
    const job = await test.datastore.updateJob(message.job.id, (j) => void Object.assign(j, change));
    await test.broker.publishEvent(topic, { kind: 'job', job });
  }

  it.each([
    ['job.completed', { state: 'COMPLETED', result: 'done t0ken' }],
    ['job.failed', { state: 'FAILED', error: 'boom' }],
    ['job.cancelled', { state: 'CANCELLED' }],
  ] as const)('answers with the full redacted job on %s', async (topic, change) => {
    api = await startApi();
    const pending = post(api.app, WAIT_JOB, 'text/yaml');
    await finishFirstJob(api, topic, change);
    const res = await pending;
    expect(res.statusCode).toBe(200);
    const body = json(res) as Record<string, unknown>;
    expect(body).toMatchObject({ state: change.state, secrets: { token: REDACTED }, execution: [] });
    if ('result' in change) expect(body.result).toBe(`done ${REDACTED}`);
    expect(res.body).not.toContain('t0ken');
    expect(api.app.jobEnds.waiting).toBe(0);
  });

  it('shares one set of subscriptions between any number of waiting requests, without warnings', async () => {
    api = await startApi();
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    const pending = Array.from({ length: 12 }, () => post(api!.app, WAIT_JOB, 'text/yaml'));
    await expect.poll(() => api!.app.jobEnds.waiting).toBe(12);
    // One per terminal topic (completed, failed, cancelled), not one per request.
    expect(api.broker.openEventSubscriptions).toBe(3);
    for (const message of api.jobMessages) {
      if (message.kind !== 'job') throw new Error('expected a job message');
      await api.broker.publishEvent('job.completed', { kind: 'job', job: { ...message.job, state: 'COMPLETED' } });
    }
    const answers = await Promise.all(pending);
    process.off('warning', onWarning);
    expect(answers.map((r) => (json(r) as { state: string }).state)).toEqual(pending.map(() => 'COMPLETED'));
    expect(api.app.jobEnds.waiting).toBe(0);
    // Twelve requests listen for the server closing: more than Node's default warning threshold.
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('ignores events of other jobs and non-terminal states', async () => {
    api = await startApi();
    const pending = post(api.app, WAIT_JOB, 'text/yaml');
    await expect.poll(() => api!.jobMessages.length).toBe(1);
    const message = api.jobMessages[0]!;
    if (message.kind !== 'job') throw new Error('expected a job message');
    await api.broker.publishEvent('job.completed', {
      kind: 'job',
      job: { ...message.job, id: 'other', state: 'COMPLETED' },
    });
    await api.broker.publishEvent('job.state', { kind: 'job', job: { ...message.job, state: 'RUNNING' } });
    await api.broker.publishEvent('job.failed', {
      kind: 'job',
      job: { ...message.job, state: 'FAILED', error: 'mine' },
    });
    const res = await pending;
    expect(res.statusCode).toBe(200);
    expect(json(res)).toMatchObject({ id: message.job.id, state: 'FAILED', error: 'mine' });
  });

  it('stops waiting when the client goes away', async () => {
    api = await startApi();
    const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const request = http.request(`${address}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'text/yaml' },
    });
    request.on('error', () => undefined);
    request.end(WAIT_JOB);
    await expect.poll(() => api!.app.jobEnds.waiting).toBe(1);
    request.destroy();
    await expect.poll(() => api!.app.jobEnds.waiting).toBe(0);
  });

  it('answers 408 when the job does not finish in time and stops waiting', async () => {
    api = await startApi();
    const res = await post(api.app, WAIT_JOB.replace('1m', '20ms'), 'text/yaml');
    expect(res.statusCode).toBe(408);
    expect(json(res)).toEqual({ message: 'timeout waiting for job to complete' });
    expect(api.app.jobEnds.waiting).toBe(0);
  });

  it("answers with the job's end even while the submit still waits for the broker's confirm", async () => {
    // The job message is delivered at once, but its publish resolves only when released, as a
    // RabbitMQ confirm that waits for a disk flush does.
    const confirm = deferred<void>();
    api = await startApi({ broker: new ConfirmGatedBroker(confirm.promise) });
    const pending = post(api.app, WAIT_JOB, 'text/yaml');
    await finishFirstJob(api, 'job.completed', { state: 'COMPLETED', result: 'early' });
    const res = await pending;
    expect(res.statusCode).toBe(200);
    expect(json(res)).toMatchObject({ state: 'COMPLETED', result: 'early' });
    expect(api.app.jobEnds.waiting).toBe(0);
    confirm.resolve();
  });

  it('still fails the request when the submit fails before the job ends', async () => {
    const confirm = deferred<void>();
    api = await startApi({ broker: new ConfirmGatedBroker(confirm.promise) });
    const pending = post(api.app, WAIT_JOB, 'text/yaml');
    await expect.poll(() => api!.jobMessages.length).toBe(1);
    confirm.reject(new UnavailableError('broker gone'));
    const res = await pending;
    expect(res.statusCode).toBe(503);
    expect(json(res)).toEqual({ message: 'broker gone' });
    expect(api.app.jobEnds.waiting).toBe(0);
  });

  it('rejects a wait timeout that is not a duration before storing anything', async () => {
    api = await startApi();
    const payload = WAIT_JOB.replace('1m', 'soon');
    const res = await post(api.app, payload, 'text/yaml');
    expect(res.statusCode).toBe(400);
    expect(json(res)).toEqual({ message: inputMessage(payload, 'text/yaml') });
    expect(api.broker.openEventSubscriptions).toBe(0);
  });

  it('answers 500 server shutting down when the app closes during the wait', async () => {
    api = await startApi();
    const pending = post(api.app, WAIT_JOB, 'text/yaml');
    await expect.poll(() => api!.app.jobEnds.waiting).toBe(1);
    await api.app.close();
    const res = await pending;
    expect(res.statusCode).toBe(500);
    expect(json(res)).toEqual({ message: 'server shutting down' });
    expect(api.app.jobEnds.waiting).toBe(0);
    // The shared subscriptions end with the app.
    expect(api.broker.openEventSubscriptions).toBe(0);
  });
});
