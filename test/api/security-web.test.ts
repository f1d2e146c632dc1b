import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import { json, startApi, type TestApi } from './helpers.js';

let api: TestApi | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('CORS', () => {
  const start = async (credentials = false) => {
    api = await startApi({
      configure: (config) => {
        config.middleware.web.cors = {
          enabled: true,
          origins: ['https://ui.example.com', 'https://*.example.org'],
          methods: ['GET', 'PUT'],
          headers: ['Content-Type', 'Authorization'],
          credentials,
        };
        config.middleware.web.keyauth = { enabled: true, key: 'k' };
      },
    });
    return api;
  };

  it('answers a preflight 204 with the allowed methods and headers, before authentication', async () => {
    const { app } = await start();
    const res = await app.inject({
      method: 'OPTIONS',
      url: '/jobs',
      headers: { origin: 'https://a.example.org', 'access-control-request-method': 'PUT' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers).toMatchObject({
      'access-control-allow-origin': 'https://a.example.org',
      'access-control-allow-methods': 'GET, PUT',
      'access-control-allow-headers': 'Content-Type, Authorization',
      vary: 'Origin',
    });
  });

  it('names allowed origins on plain requests and gives none to other origins', async () => {
    const { app } = await start(true);
    const allowed = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { origin: 'https://ui.example.com' },
    });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://ui.example.com');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    expect(allowed.headers['access-control-expose-headers']).toBe('Content-Type, Authorization');
    const other = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { origin: 'https://evil.example.com' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const none = await app.inject({ method: 'GET', url: '/health' });
    expect(none.headers['access-control-allow-origin']).toBeUndefined();
    expect(none.headers.vary).toBeUndefined();
  });

  it('is off by default', async () => {
    api = await startApi();
    const res = await api.app.inject({
      method: 'GET',
      url: '/health',
      headers: { origin: 'https://ui.example.com' },
    });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('rate limit', () => {
  it('answers 429 rate limit exceeded with Retry-After once a client empties its bucket', async () => {
    api = await startApi({
      configure: (config) => void (config.middleware.web.ratelimit = { enabled: true, rps: 2 }),
    });
    let res = await api.app.inject({ method: 'GET', url: '/queues' });
    // Two tokens a second: however slow this machine, fifty requests cannot all find one.
    for (let i = 0; i < 50 && res.statusCode !== 429; i++)
      res = await api.app.inject({ method: 'GET', url: '/queues' });
    expect(res.statusCode).toBe(429);
    expect(res.body).toBe('{"message":"rate limit exceeded"}\n');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const other = await api.app.inject({ method: 'GET', url: '/queues', remoteAddress: '10.9.8.7' });
    expect(other.statusCode).toBe(200);
  });

  it('is off by default', async () => {
    api = await startApi();
    for (let i = 0; i < 60; i++)
      expect((await api.app.inject({ method: 'GET', url: '/nodes' })).statusCode).toBe(200);
  });
});

describe('body limit', () => {
  const LIMIT = 1000;
  const big = `name: big\ndescription: ${'x'.repeat(LIMIT)}\ntasks:\n  - name: t\n    run: echo\n`;

  it('answers 413 to a declared length over the limit and stores nothing', async () => {
    api = await startApi({ configure: (config) => void (config.middleware.web.bodylimit = LIMIT) });
    const res = await api.app.inject({
      method: 'POST',
      url: '/jobs',
      headers: { 'content-type': 'text/yaml' },
      payload: big,
    });
    expect(res.statusCode).toBe(413);
    expect(json(res)).toEqual({ message: 'Request Entity Too Large' });
    expect((await api.datastore.listJobs({ page: 1, size: 10 })).totalItems).toBe(0);
  });

  it('answers 413 to a chunked body that grows over the limit', async () => {
    api = await startApi({ configure: (config) => void (config.middleware.web.bodylimit = LIMIT) });
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = api.app.server.address() as AddressInfo;
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/jobs',
        headers: { 'content-type': 'text/yaml' },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      // No Content-Length: Node sends the body chunked.
      req.write(big.slice(0, 600));
      req.end(big.slice(600));
    });
    expect(status).toBe(413);
    expect(JSON.parse(body)).toEqual({ message: 'Request Entity Too Large' });
  });
});

describe('request log', () => {
  it('names the caller and never logs a credential', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    api = await startApi({
      logger,
      configure: (config) => {
        config.middleware.web.basicauth.enabled = true;
        config.middleware.web.keyauth = { enabled: true, key: 'super-secret-key' };
      },
    });
    await api.app.inject({
      method: 'GET',
      url: '/nodes',
      headers: { authorization: 'Bearer super-secret-key' },
    });
    await api.app.inject({
      method: 'GET',
      url: '/nodes',
      headers: { authorization: 'Bearer wrong-guess-key' },
    });
    const password = Buffer.from('eve:hunter2-pw').toString('base64');
    await api.app.inject({ method: 'GET', url: '/nodes', headers: { authorization: `Basic ${password}` } });
    await api.app.inject({
      method: 'POST',
      url: '/ui/login',
      payload: '{"username":"eve","password":"hunter2-pw"}',
    });
    const text = lines.join('');
    expect(lines.some((l) => l.includes('"user":"key"') && l.includes('request completed'))).toBe(true);
    for (const secret of ['super-secret-key', 'wrong-guess-key', password, 'hunter2-pw'])
      expect(text).not.toContain(secret);
  });
});
