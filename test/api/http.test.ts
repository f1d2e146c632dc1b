import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import { json, makeJob, startApi, type TestApi } from './helpers.js';

let api: TestApi | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('responses', () => {
  it('sends JSON with a plain application/json content type and a trailing newline', async () => {
    api = await startApi();
    const res = await api.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body).toBe('{"status":"UP","version":"9.9.9"}\n');
  });

  it('indents the body when the query names pretty, even without a value', async () => {
    api = await startApi();
    const res = await api.app.inject({ method: 'GET', url: '/health?pretty' });
    expect(res.body).toBe('{\n  "status": "UP",\n  "version": "9.9.9"\n}\n');
  });

  it('escapes HTML characters inside strings as Go does', async () => {
    api = await startApi();
    const job = makeJob({ name: '<b>&</b>' });
    await api.datastore.createJob(job);
    const res = await api.app.inject({ method: 'GET', url: `/jobs/${job.id}` });
    expect(res.body).toContain('"name":"\\u003cb\\u003e\\u0026\\u003c/b\\u003e"');
  });
});

describe('errors', () => {
  it('answers an unknown route with 404 Not Found', async () => {
    api = await startApi();
    const res = await api.app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.body).toBe('{"message":"Not Found"}\n');
  });

  it('answers a known path with the wrong method with 405 and an Allow header', async () => {
    api = await startApi();
    const res = await api.app.inject({ method: 'DELETE', url: '/jobs/abc' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(json(res)).toEqual({ message: 'Method Not Allowed' });
  });

  it('sends the status without a body for a failing HEAD request', async () => {
    api = await startApi();
    const res = await api.app.inject({ method: 'HEAD', url: '/jobs/missing' });
    expect(res.statusCode).toBe(404);
    expect(res.body).toBe('');
  });

  it('hides the detail of an unexpected error behind a generic 500', async () => {
    api = await startApi();
    await api.datastore.close();
    const res = await api.app.inject({ method: 'GET', url: '/jobs' });
    expect(res.statusCode).toBe(500);
    expect(json(res)).toEqual({ message: 'Internal Server Error' });
  });
});

describe('route groups', () => {
  it('answers 404 for the routes of a disabled group and serves the others', async () => {
    api = await startApi({
      configure: (config) => {
        config.coordinator.api.endpoints.jobs = false;
        config.coordinator.api.endpoints.health = false;
      },
    });
    for (const [method, url] of [
      ['GET', '/jobs'],
      ['POST', '/jobs'],
      ['PUT', '/jobs/x/cancel'],
      ['GET', '/health'],
    ] as const) {
      const res = await api.app.inject({ method, url });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(json(res)).toEqual({ message: 'Not Found' });
    }
    expect((await api.app.inject({ method: 'GET', url: '/queues' })).statusCode).toBe(200);
  });
});

describe('paging parameters', () => {
  it('rejects a page that is not an integer with 400 naming the value', async () => {
    api = await startApi();
    const res = await api.app.inject({ method: 'GET', url: '/jobs?page=abc' });
    expect(res.statusCode).toBe(400);
    expect(json(res)).toEqual({ message: 'invalid page number: abc' });
  });

  it('rejects a size that is not an integer with 400 quoting the size, not the page', async () => {
    api = await startApi();
    const res = await api.app.inject({ method: 'GET', url: '/jobs?page=1&size=1.5' });
    expect(res.statusCode).toBe(400);
    expect(json(res)).toEqual({ message: 'invalid size: 1.5' });
  });

  it('rejects bad paging on the log endpoints too', async () => {
    api = await startApi();
    const job = makeJob();
    await api.datastore.createJob(job);
    const res = await api.app.inject({ method: 'GET', url: `/jobs/${job.id}/log?size=x` });
    expect(res.statusCode).toBe(400);
    expect(json(res)).toEqual({ message: 'invalid size: x' });
  });
});

describe('request log', () => {
  it('logs each request through the app logger except GET /health', async () => {
    const lines: { msg?: string; method?: string; url?: string; status?: number }[] = [];
    const logger = pino(
      { level: 'debug' },
      { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) },
    );
    api = await startApi({ logger });
    await api.app.inject({ method: 'GET', url: '/health' });
    await api.app.inject({ method: 'GET', url: '/queues?pretty' });
    const completed = lines.filter((l) => l.msg === 'request completed');
    expect(completed.map((l) => [l.method, l.url, l.status])).toEqual([['GET', '/queues?pretty', 200]]);
  });
});

describe('health', () => {
  it('answers 503 DOWN when the broker is closed', async () => {
    api = await startApi();
    await api.broker.close();
    const res = await api.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toBe('{"status":"DOWN","version":"9.9.9"}\n');
  });

  it('answers 503 DOWN when the datastore is closed', async () => {
    api = await startApi();
    await api.datastore.close();
    const res = await api.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(503);
    expect(json(res)).toEqual({ status: 'DOWN', version: '9.9.9' });
  });
});
