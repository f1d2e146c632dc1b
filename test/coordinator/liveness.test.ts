import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { waitFor } from '../../src/async.js';
import type { Message } from '../../src/broker/broker.js';
import { InMemoryBroker } from '../../src/broker/inmemory.js';
import type { HandlerDeps } from '../../src/coordinator/deps.js';
import { LivenessMonitor, TOO_MANY_REDELIVERIES } from '../../src/coordinator/liveness.js';
import { SqliteDatastore } from '../../src/datastore/sqlite.js';
import { silentLogger } from '../../src/logger.js';
import { handlerDeps } from '../helpers/handler-deps.js';
import { newId, newNodeId } from '../../src/model/ids.js';
import type { Job } from '../../src/model/job.js';
import type { Task } from '../../src/model/task.js';

const NOW = new Date('2030-06-01T12:00:00Z');
const LEASE_MS = 10_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

describe('liveness: worker leases and lost work', () => {
  let dir: string;
  let ds: SqliteDatastore;
  let broker: InMemoryBroker;
  let monitor: LivenessMonitor;
  let sent: Message[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drover-liveness-'));
    ds = new SqliteDatastore({ path: join(dir, 'drover.db') });
    await ds.migrate();
    broker = new InMemoryBroker({ logger: silentLogger() });
    sent = [];
    await broker.subscribe('default', async (m) => void sent.push(m));
    const deps: HandlerDeps = handlerDeps(ds, broker, NOW);
    monitor = new LivenessMonitor(deps, { timeoutMs: LEASE_MS, sweepIntervalMs: 60_000 });
  });
  afterEach(async () => {
    await monitor.close();
    await broker.close();
    await ds.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function worker(lastHeartbeatMsAgo: number): Promise<string> {
    const id = newNodeId();
    await ds.upsertNode({ id, name: 'Worker', startedAt: ago(3_600_000), lastHeartbeatAt: ago(lastHeartbeatMsAgo), status: 'UP', version: '1' });
    return id;
  }

  async function runningTask(fields: Partial<Task>): Promise<{ job: Job; task: Task }> {
    const job: Job = { id: newId(), name: 'j', state: 'RUNNING', createdAt: ago(3_600_000), tasks: [{ name: 't', run: 'true' }], position: 1, taskCount: 1, context: {} };
    await ds.createJob(job);
    const task: Task = { id: newId(), jobId: job.id, position: 1, name: 't', run: 'true', queue: 'default', state: 'RUNNING', createdAt: ago(60_000), scheduledAt: ago(60_000), startedAt: ago(60_000), ...fields };
    await ds.createTask(task);
    return { job, task };
  }

  it('ignores a redelivered task while its worker still heartbeats, however long it runs', async () => {
    const nodeId = await worker(1000);
    const { task } = await runningTask({ nodeId, startedAt: ago(86_400_000) });
    await monitor.handleRedelivery(task, { redelivered: false });
    expect(await ds.getTask(task.id!)).toMatchObject({ state: 'RUNNING', nodeId });
    expect(sent).toEqual([]);
  });

  it('re-queues a redelivered task whose worker stopped heartbeating, counting the redelivery', async () => {
    const nodeId = await worker(LEASE_MS + 1000);
    const { task } = await runningTask({ nodeId });
    await monitor.handleRedelivery(task, { redelivered: false });
    const stored = await ds.getTask(task.id!);
    expect(stored).toMatchObject({ state: 'SCHEDULED', redelivered: 1 });
    expect(stored.nodeId).toBeUndefined();
    await waitFor(() => sent.length === 1);
    expect(sent[0]).toMatchObject({ kind: 'task', task: { id: task.id, state: 'SCHEDULED', redelivered: 1 } });
  });

  it('ignores a stale copy of a task that was re-queued since', async () => {
    const nodeId = await worker(LEASE_MS + 1000);
    const { task } = await runningTask({ nodeId, redelivered: 2 });
    await monitor.handleRedelivery({ ...task, redelivered: 1 }, { redelivered: false });
    expect(await ds.getTask(task.id!)).toMatchObject({ state: 'RUNNING', redelivered: 2, nodeId });
  });

  it("fails a task re-queued too often with Tork's message, and its job with it", async () => {
    const nodeId = await worker(LEASE_MS + 1000);
    const { job, task } = await runningTask({ nodeId, redelivered: 5 });
    await monitor.handleRedelivery(task, { redelivered: false });
    expect(await ds.getTask(task.id!)).toMatchObject({ state: 'FAILED', error: TOO_MANY_REDELIVERIES });
    expect(await ds.getJob(job.id)).toMatchObject({ state: 'FAILED', error: TOO_MANY_REDELIVERIES });
  });

  it('fails a task whose message kept failing, naming the queue and the last error', async () => {
    const { job, task } = await runningTask({ nodeId: await worker(0) });
    await monitor.handleRedelivery(task, { redelivered: false, failure: { queue: 'completed', error: 'deadlock detected' } });
    const error = 'the completed handler failed on this task too many times: deadlock detected';
    expect(await ds.getTask(task.id!)).toMatchObject({ state: 'FAILED', error });
    expect((await ds.getJob(job.id)).state).toBe('FAILED');
  });

  it('sweeps: re-queues the tasks of a worker whose lease expired and leaves a live worker its tasks', async () => {
    const dead = await worker(LEASE_MS + 1000);
    const alive = await worker(500);
    const { task: orphan } = await runningTask({ nodeId: dead, startedAt: ago(LEASE_MS * 2) });
    const { task: kept } = await runningTask({ nodeId: alive, startedAt: ago(LEASE_MS * 2) });
    expect(await monitor.sweep()).toBe(1);
    expect(await ds.getTask(orphan.id!)).toMatchObject({ state: 'SCHEDULED', redelivered: 1 });
    expect(await ds.getTask(kept.id!)).toMatchObject({ state: 'RUNNING', nodeId: alive });
    // Another coordinator sweeping within the same interval finds the lock taken.
    expect(await monitor.sweep()).toBe(0);
  });

  it('sweeps: sends a task again whose message was lost after it was scheduled, once its queue is empty, at a second look', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { task } = await runningTask({ state: 'SCHEDULED', startedAt: undefined, scheduledAt: ago(LEASE_MS * 2) });
      const { task: recent } = await runningTask({ state: 'SCHEDULED', startedAt: undefined, scheduledAt: ago(1000) });
      await monitor.sweep();
      // Not at the first look: a report may be on its way without showing in the queues yet.
      expect((await ds.getTask(task.id!)).redelivered).toBeUndefined();
      await vi.runAllTimersAsync();
      expect(await ds.getTask(task.id!)).toMatchObject({ state: 'SCHEDULED', redelivered: 1 });
      expect((await ds.getTask(recent.id!)).redelivered).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
    await waitFor(() => sent.length === 1);
    expect(sent[0]).toMatchObject({ kind: 'task', task: { state: 'SCHEDULED', redelivered: 1 } });
  });

  it('sweeps: does not send a task again whose completion committed between the two looks', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { task } = await runningTask({ state: 'SCHEDULED', startedAt: undefined, scheduledAt: ago(LEASE_MS * 2) });
      await monitor.sweep();
      // Its `completed` was with a coordinator already, invisible in the queues, and commits now.
      await ds.updateTask(task.id!, (t) => {
        t.state = 'COMPLETED';
        t.completedAt = NOW;
      });
      await vi.runAllTimersAsync();
      expect(await ds.getTask(task.id!)).toMatchObject({ state: 'COMPLETED' });
      expect((await ds.getTask(task.id!)).redelivered).toBeUndefined();
      expect(sent).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('sweeps: leaves a scheduled task alone while a completed message waits to be handled', async () => {
    // A task that completed within moments of its start is reported by `completed` alone, and
    // stays SCHEDULED until a coordinator handles it: here that message waits in its queue.
    const { task } = await runningTask({ state: 'SCHEDULED', startedAt: undefined, scheduledAt: ago(LEASE_MS * 2) });
    await broker.publish('completed', { kind: 'task', task: { ...task, state: 'COMPLETED', startedAt: ago(LEASE_MS), completedAt: ago(LEASE_MS) } });
    expect(await broker.queueInfo('completed')).toMatchObject({ size: 1 });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      expect(await monitor.sweep()).toBe(0);
      await vi.runAllTimersAsync();
    } finally {
      vi.useRealTimers();
    }
    expect((await ds.getTask(task.id!)).redelivered).toBeUndefined();
    expect(sent).toEqual([]);
  });

  it('re-checks a redelivered scheduled task without sending it again while a completed message waits', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { task } = await runningTask({ state: 'SCHEDULED', startedAt: undefined, scheduledAt: ago(LEASE_MS * 2) });
      await broker.publish('completed', { kind: 'task', task: { ...task, state: 'COMPLETED' } });
      await monitor.handleRedelivery(task, { redelivered: true });
      await vi.runAllTimersAsync();
      expect((await ds.getTask(task.id!)).redelivered).toBeUndefined();
      expect(sent).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('sweeps: leaves a scheduled task alone while a started message is delivered but not yet handled', async () => {
    const { task } = await runningTask({ state: 'SCHEDULED', startedAt: undefined, scheduledAt: ago(LEASE_MS * 2) });
    // A coordinator holding the task's `started` message (delivered, not acknowledged yet).
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const subscription = await broker.subscribe('started', () => held);
    try {
      await broker.publish('started', { kind: 'task', task: { ...task, state: 'RUNNING' } });
      expect(await broker.queueInfo('started')).toMatchObject({ size: 0, unacked: 1 });
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        await monitor.sweep();
        await vi.runAllTimersAsync();
      } finally {
        vi.useRealTimers();
      }
      expect((await ds.getTask(task.id!)).redelivered).toBeUndefined();
      expect(sent).toEqual([]);
    } finally {
      release();
      await subscription.close();
    }
  });
});
