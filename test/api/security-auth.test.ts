import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { hashPassword } from '../../src/api/auth/password.js';
import { newId } from '../../src/model/ids.js';
import { json, startApi, type TestApi } from './helpers.js';

const KEY = 'the-api-key-0123456789';
const CHALLENGE = 'Basic realm="Restricted", Bearer realm="Restricted"';
const UNAUTHORIZED = '{"message":"Unauthorized"}\n';

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const JOB_YAML = 'name: j\ntasks:\n  - name: t\n    run: echo hi\n';
const SCHEDULED_YAML = 'name: s\nschedule:\n  cron: "0 0 * * *"\ntasks:\n  - name: t\n    run: echo hi\n';

/** Every protected route of the REST API, with a body where it takes one. */
const ROUTES: { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; url: string; body?: string; type?: string }[] = [
  { method: 'POST', url: '/jobs', body: JOB_YAML, type: 'text/yaml' },
  { method: 'GET', url: '/jobs' },
  { method: 'GET', url: '/jobs/0123' },
  { method: 'GET', url: '/jobs/0123/log' },
  { method: 'PUT', url: '/jobs/0123/cancel' },
  { method: 'PUT', url: '/jobs/0123/restart' },
  { method: 'GET', url: '/tasks/0123' },
  { method: 'GET', url: '/tasks/0123/log' },
  { method: 'GET', url: '/queues' },
  { method: 'GET', url: '/queues/default' },
  { method: 'DELETE', url: '/queues/nope' },
  { method: 'GET', url: '/nodes' },
  { method: 'GET', url: '/metrics' },
  { method: 'POST', url: '/scheduled-jobs', body: SCHEDULED_YAML, type: 'text/yaml' },
  { method: 'GET', url: '/scheduled-jobs' },
  { method: 'GET', url: '/scheduled-jobs/0123' },
  { method: 'PUT', url: '/scheduled-jobs/0123/pause' },
  { method: 'PUT', url: '/scheduled-jobs/0123/resume' },
  { method: 'DELETE', url: '/scheduled-jobs/0123' },
  { method: 'POST', url: '/users', body: '{"username":"someone","password":"pw"}', type: 'application/json' },
];

let api: TestApi;

beforeAll(async () => {
  api = await startApi({
    configure: (config) => {
      config.middleware.web.basicauth.enabled = true;
      config.middleware.web.keyauth = { enabled: true, key: KEY };
    },
  });
  await api.datastore.createUser({
    id: newId(),
    username: 'alice',
    passwordHash: await hashPassword('alice-pw'),
  });
  await api.datastore.createUser({
    id: newId(),
    username: 'mallory',
    passwordHash: await hashPassword('mallory-pw'),
    disabled: true,
  });
});

afterAll(async () => {
  await api.close();
});

function call(route: (typeof ROUTES)[number], headers: Record<string, string>) {
  const withType = route.type ? { 'content-type': route.type, ...headers } : headers;
  return api.app.inject({
    method: route.method,
    url: route.url,
    headers: withType,
    ...(route.body ? { payload: route.body } : {}),
  });
}

describe('protected routes', () => {
  it.each(ROUTES)('$method $url answers 401 with a challenge without credentials', async (route) => {
    const res = await call(route, {});
    expect(res.statusCode).toBe(401);
    expect(res.body).toBe(UNAUTHORIZED);
    expect(res.headers['www-authenticate']).toBe(CHALLENGE);
  });

  it.each(ROUTES)(
    '$method $url answers 401 to a wrong password, an unknown user and a wrong key',
    async (route) => {
      for (const authorization of [
        basic('alice', 'wrong'),
        basic('nobody', 'alice-pw'),
        `Bearer ${KEY}x`,
        'Token abc',
      ]) {
        const res = await call(route, { authorization });
        expect(res.statusCode, authorization).toBe(401);
        expect(res.body).toBe(UNAUTHORIZED);
      }
    },
  );

  it.each(ROUTES)(
    '$method $url lets the API key and a user with the right password through',
    async (route) => {
      for (const authorization of [`Bearer ${KEY}`, basic('alice', 'alice-pw')]) {
        const res = await call(route, { authorization });
        expect(res.statusCode, authorization).not.toBe(401);
      }
    },
  );

  it('refuses a disabled user even with the right password', async () => {
    const res = await api.app.inject({
      method: 'GET',
      url: '/jobs',
      headers: { authorization: basic('mallory', 'mallory-pw') },
    });
    expect(res.statusCode).toBe(401);
    expect(res.body).toBe(UNAUTHORIZED);
  });

  it('keeps GET /health and the UI pages open', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'HEAD', url: '/health' })).statusCode).toBe(200);
    for (const url of ['/ui/', '/ui/login', '/ui/jobs/0123']) {
      expect((await api.app.inject({ method: 'GET', url })).statusCode, url).not.toBe(401);
    }
  });

  it('answers 401 for unknown routes too, so they reveal nothing', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/secret-route' });
    expect(res.statusCode).toBe(401);
  });

  it('answers the UI data routes 401 without a challenge, so browsers show the login page', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/ui/api/jobs' });
    expect(res.statusCode).toBe(401);
    expect(res.body).toBe(UNAUTHORIZED);
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it('records the authenticated user as the creator of a job', async () => {
    const res = await api.app.inject({
      method: 'POST',
      url: '/jobs',
      headers: { authorization: basic('alice', 'alice-pw'), 'content-type': 'text/yaml' },
      payload: JOB_YAML,
    });
    expect(res.statusCode).toBe(200);
    expect((json(res) as { createdBy: { username: string } }).createdBy.username).toBe('alice');
  });
});

describe('UI session', () => {
  it('logs in with a password, accepts the cookie on API routes, and logs out', async () => {
    const login = await api.app.inject({
      method: 'POST',
      url: '/ui/login',
      payload: JSON.stringify({ username: 'alice', password: 'alice-pw' }),
    });
    expect(login.statusCode).toBe(200);
    expect(json(login)).toEqual({ username: 'alice', admin: false });
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/^drover_session=[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    const cookie = setCookie.split(';')[0]!;

    expect((await api.app.inject({ method: 'GET', url: '/jobs', headers: { cookie } })).statusCode).toBe(200);
    const session = await api.app.inject({ method: 'GET', url: '/ui/session', headers: { cookie } });
    expect(json(session)).toEqual({ authRequired: true, username: 'alice', admin: false });

    const logout = await api.app.inject({ method: 'POST', url: '/ui/logout', headers: { cookie } });
    expect(logout.statusCode).toBe(200);
    expect(String(logout.headers['set-cookie'])).toContain('Max-Age=0');
    const after = await api.app.inject({ method: 'GET', url: '/jobs', headers: { cookie } });
    expect(after.statusCode).toBe(401);
  });

  it('refuses a wrong password at login with 401 and no challenge', async () => {
    const res = await api.app.inject({
      method: 'POST',
      url: '/ui/login',
      payload: JSON.stringify({ username: 'alice', password: 'nope' }),
    });
    expect(res.statusCode).toBe(401);
    expect(res.body).toBe(UNAUTHORIZED);
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('answers 401 on /ui/session without a session and refuses a made-up cookie', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/ui/session' })).statusCode).toBe(401);
    const forged = await api.app.inject({
      method: 'GET',
      url: '/jobs',
      headers: { cookie: 'drover_session=forged' },
    });
    expect(forged.statusCode).toBe(401);
  });
});

describe('POST /users', () => {
  const post = (payload: string, authorization = `Bearer ${KEY}`) =>
    api.app.inject({ method: 'POST', url: '/users', headers: { authorization }, payload });

  it('creates a user who can then log in, and never returns the password', async () => {
    const res = await post('{"username":" bob ","password":"bob-pw","name":"Bob","unknown":1}');
    expect(res.statusCode).toBe(200);
    const user = json(res) as Record<string, unknown>;
    expect(Object.keys(user).sort()).toEqual(['createdAt', 'id', 'name', 'username']);
    expect(user).toMatchObject({ name: 'Bob', username: 'bob' });
    expect(res.body).not.toContain('bob-pw');
    const stored = await api.datastore.findUser('bob');
    expect(stored?.passwordHash).toMatch(/^scrypt\$/);
    const read = await api.app.inject({
      method: 'GET',
      url: '/jobs',
      headers: { authorization: basic('bob', 'bob-pw') },
    });
    expect(read.statusCode).toBe(200);
  });

  it('rejects bad bodies with Tork messages', async () => {
    const cases: [string, string][] = [
      ['{"password":"x"}', 'must provide username'],
      ['{"username":"  ","password":"x"}', 'must provide username'],
      ['{"username":"carol"}', 'must provide password'],
      ['{"username":"alice","password":"x"}', 'user already exists'],
      [`{"username":"dave","password":"${'x'.repeat(1025)}"}`, 'invalid password: at most 1024 bytes'],
      ['{"username":"erin","password":"x","roles":"admin"}', 'roles: must be a list of role slugs'],
      ['', 'EOF'],
    ];
    for (const [payload, message] of cases) {
      const res = await post(payload);
      expect(res.statusCode, payload.slice(0, 40)).toBe(400);
      expect(json(res)).toEqual({ message });
    }
  });

  it('lets only admins create users once authentication is on', async () => {
    const res = await post('{"username":"frank","password":"pw"}', basic('alice', 'alice-pw'));
    expect(res.statusCode).toBe(403);
    expect(json(res)).toEqual({ message: 'only admins can create users' });
    expect(await api.datastore.findUser('frank')).toBeUndefined();
  });

  it('gives roles, creating them when missing, and the admin role makes an admin', async () => {
    expect((await post('{"username":"grace","password":"pw","roles":["admin","ops"]}')).statusCode).toBe(200);
    const grace = await api.datastore.findUser('grace');
    const roles = await api.datastore.getUserRoles(grace!.id!);
    expect(roles.map((r) => r.slug)).toEqual(['admin', 'ops']);
    const created = await post('{"username":"heidi","password":"pw"}', basic('grace', 'pw'));
    expect(created.statusCode).toBe(200);
  });
});
