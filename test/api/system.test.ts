import { afterEach, describe, expect, it } from 'vitest';

import type { Node } from '../../src/model/node.js';
import { json, makeJob, makeTask, startApi, type TestApi } from './helpers.js';

let api: TestApi | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

function node(overrides: Partial<Node>): Node {
  return {
    id: 'n',
    name: 'Worker',
    startedAt: new Date('2024-05-01T10:00:00Z'),
    lastHeartbeatAt: new Date(),
    status: 'UP',
    version: '9.9.9',
    ...overrides,
  };
}

describe('GET /nodes', () => {
  it('lists nodes heard from in the last five minutes by name, stale ones as OFFLINE', async () => {
    api = await startApi();
    const now = Date.now();
    await api.datastore.upsertNode(
      node({ id: 'w1', name: 'Worker', queue: 'x-w1', lastHeartbeatAt: new Date(now - 2 * 60_000) }),
    );
    await api.datastore.upsertNode(node({ id: 'c1', name: 'Coordinator', cpuPercent: 12.5 }));
    await api.datastore.upsertNode(
      node({ id: 'old', name: 'Ancient', lastHeartbeatAt: new Date(now - 10 * 60_000) }),
    );
    const res = await api.app.inject({ method: 'GET', url: '/nodes' });
    expect(res.statusCode).toBe(200);
    const nodes = json(res) as Record<string, unknown>[];
    expect(nodes.map((n) => [n.id, n.status])).toEqual([
      ['c1', 'UP'],
      ['w1', 'OFFLINE'],
    ]);
    expect(nodes[0]).toMatchObject({
      name: 'Coordinator',
      startedAt: '2024-05-01T10:00:00Z',
      cpuPercent: 12.5,
      version: '9.9.9',
    });
    expect(nodes[1]).toMatchObject({ queue: 'x-w1' });
  });
});

describe('queues', () => {
  it('lists every queue the broker knows with its counts', async () => {
    api = await startApi();
    await api.broker.publish('gpu', { kind: 'task', task: { id: 't' } });
    const res = await api.app.inject({ method: 'GET', url: '/queues' });
    expect(res.statusCode).toBe(200);
    const queues = json(res) as { name: string }[];
    expect(queues.find((q) => q.name === 'gpu')).toEqual({
      name: 'gpu',
      size: 1,
      subscribers: 0,
      unacked: 0,
    });
    expect(queues.find((q) => q.name === 'jobs')).toMatchObject({ name: 'jobs', subscribers: 1 });
  });

  it('shows one queue, or 404 naming an unknown one', async () => {
    api = await startApi();
    await api.broker.publish('gpu', { kind: 'task', task: { id: 't' } });
    expect(json(await api.app.inject({ method: 'GET', url: '/queues/gpu' }))).toEqual({
      name: 'gpu',
      size: 1,
      subscribers: 0,
      unacked: 0,
    });
    const res = await api.app.inject({ method: 'GET', url: '/queues/nope' });
    expect(res.statusCode).toBe(404);
    expect(json(res)).toEqual({ message: 'queue nope not found' });
  });

  it('deletes a task queue with 200 and an empty body', async () => {
    api = await startApi();
    await api.broker.publish('gpu', { kind: 'task', task: { id: 't' } });
    const res = await api.app.inject({ method: 'DELETE', url: '/queues/gpu' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect(res.headers['content-type']).toBeUndefined();
    // The in-memory broker drops the waiting messages (and keeps its consumers attached).
    const after = await api.app.inject({ method: 'GET', url: '/queues/gpu' });
    expect(json(after)).toMatchObject({ name: 'gpu', size: 0 });
  });

  it.each(['jobs', 'x-abc'])('refuses to delete %s, which is not a task queue', async (name) => {
    api = await startApi();
    const res = await api.app.inject({ method: 'DELETE', url: `/queues/${name}` });
    expect(res.statusCode).toBe(400);
    expect(json(res)).toEqual({ message: `queue ${name} is not a task queue` });
  });

  it('answers 404 when deleting an unknown queue', async () => {
    api = await startApi();
    const res = await api.app.inject({ method: 'DELETE', url: '/queues/nope' });
    expect(res.statusCode).toBe(404);
    expect(json(res)).toEqual({ message: 'queue nope not found' });
  });
});

describe('GET /metrics', () => {
  it("reports running jobs, running tasks of running jobs and online nodes in Tork's shape", async () => {
    api = await startApi();
    const running = makeJob({ state: 'RUNNING' });
    const done = makeJob({ state: 'COMPLETED' });
    await api.datastore.createJob(running);
    await api.datastore.createJob(done);
    await api.datastore.createTask(makeTask(running, { state: 'RUNNING' }));
    await api.datastore.createTask(makeTask(done, { state: 'RUNNING' }));
    await api.datastore.upsertNode(node({ id: 'a', cpuPercent: 10 }));
    await api.datastore.upsertNode(node({ id: 'b', cpuPercent: 20 }));
    const res = await api.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(
      '{"jobs":{"running":1},"tasks":{"running":1},"nodes":{"online":2,"cpuPercent":15}}\n',
    );
  });
});
