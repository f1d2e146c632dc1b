/**
 * `GET /jobs/{id}` sends a kept answer again only while nothing was written since: after any
 * write, from this process or another, and to whoever asks, it answers what is stored now.
 */
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';

import { hashPassword } from '../../src/api/auth/password.js';
import { ResponseCache } from '../../src/api/response-cache.js';
import { newId } from '../../src/model/ids.js';
import { json, makeJob, makeTask, startApi, type TestApi } from './helpers.js';

let api: TestApi | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

const get = (id: string, headers: Record<string, string> = {}) =>
  api!.app.inject({ method: 'GET', url: `/jobs/${id}`, headers });

describe('ResponseCache', () => {
  it('answers only for the token it was given, and forgets the least recently used first', () => {
    const cache = new ResponseCache(2, 10);
    cache.set('a', 't1', Buffer.from('A'));
    expect(cache.get('a', 't1')?.toString()).toBe('A');
    expect(cache.get('a', 't2')).toBeUndefined();
    expect(cache.get('a', 't1')).toBeUndefined(); // a stale entry is dropped, not kept
    cache.set('a', 't1', Buffer.from('A'));
    cache.set('b', 't1', Buffer.from('B'));
    cache.get('a', 't1');
    cache.set('c', 't1', Buffer.from('C'));
    expect(cache.get('b', 't1')).toBeUndefined();
    expect(cache.get('a', 't1')?.toString()).toBe('A');
    cache.set('big', 't1', Buffer.alloc(11));
    expect(cache.get('big', 't1')).toBeUndefined();
    expect(cache.size).toBeLessThanOrEqual(2);
  });
});

describe('GET /jobs/{id} answers kept between writes', () => {
  it('sends the same bytes while nothing changes, and the new state after a write of this process', async () => {
    api = await startApi();
    const job = makeJob({ name: 'before', state: 'RUNNING' });
    await api.datastore.createJob(job);
    const first = await get(job.id);
    const second = await get(job.id);
    expect(second.statusCode).toBe(200);
    expect(second.body).toBe(first.body);

    await api.datastore.updateJob(job.id, (j) => void (j.name = 'after'));
    expect(json(await get(job.id))).toMatchObject({ name: 'after' });
    // A write to another job, or a new task of this one, is a write too.
    await api.datastore.createTask(makeTask(job, { name: 'new task' }));
    expect((json(await get(job.id)) as { execution: { name: string }[] }).execution.map((t) => t.name)).toContain(
      'new task',
    );
  });

  it('sees what another connection to the file wrote, and a deleted job', async () => {
    api = await startApi();
    const job = makeJob({ name: 'mine', state: 'COMPLETED' });
    await api.datastore.createJob(job);
    expect(json(await get(job.id))).toMatchObject({ name: 'mine' });
    const other = new BetterSqlite3(api.dbPath);
    try {
      other.prepare('update jobs set name = ? where id = ?').run('renamed elsewhere', job.id);
      expect(json(await get(job.id))).toMatchObject({ name: 'renamed elsewhere' });
      other.prepare('delete from jobs where id = ?').run(job.id);
    } finally {
      other.close();
    }
    expect((await get(job.id)).statusCode).toBe(404);
  });

  it('keeps answers apart by caller and by format', async () => {
    api = await startApi({ configure: (config) => void (config.middleware.web.basicauth.enabled = true) });
    for (const name of ['alice', 'bob']) {
      await api.datastore.createUser({ id: newId(), username: name, passwordHash: await hashPassword(`${name}-pw`) });
    }
    const basic = (user: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${user}-pw`).toString('base64')}` });
    const job = makeJob({ name: 'alice only', permissions: [{ user: { username: 'alice' } }] });
    await api.datastore.createJob(job);
    expect((await get(job.id, basic('alice'))).statusCode).toBe(200);
    expect((await get(job.id, basic('alice'))).statusCode).toBe(200);
    expect((await get(job.id, basic('bob'))).statusCode).toBe(404);
    const pretty = await api.app.inject({ method: 'GET', url: `/jobs/${job.id}?pretty`, headers: basic('alice') });
    const plain = await get(job.id, basic('alice'));
    expect(pretty.body).toContain('\n  ');
    expect(plain.body).not.toContain('\n  ');
    expect(plain.headers['content-type']).toBe('application/json');
  });
});
