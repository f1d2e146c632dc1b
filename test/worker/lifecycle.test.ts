import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../src/async.js';
import { QUEUE, nodeQueue } from '../../src/broker/broker.js';
import { silentLogger } from '../../src/logger.js';
import { ShellRuntime } from '../../src/runtime/shell/runtime.js';
import { Worker, type WorkerOptions } from '../../src/worker/worker.js';
import { useWorkerHarness } from './harness.js';

describe('worker lifecycle', () => {
  const h = useWorkerHarness();

  it('sends a heartbeat at start and then every interval', async () => {
    const worker = await h.startWorker({
      name: 'w1',
      hostname: 'host-a',
      port: 8001,
      heartbeatIntervalMs: 20,
    });
    const [first] = h.heartbeats();
    expect(first).toMatchObject({
      id: worker.id,
      name: 'w1',
      queue: nodeQueue(worker.id),
      status: 'UP',
      hostname: 'host-a',
      port: 8001,
      taskCount: 0,
      version: '0.1.0-test',
    });
    expect(first!.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(first!.cpuPercent).toBeLessThanOrEqual(100);
    await waitFor(() => h.heartbeats().length >= 3, { message: 'three heartbeats' });
  });

  it('reports itself DOWN when the runtime health check fails', async () => {
    const runtime = new ShellRuntime({ logger: silentLogger(), tempDir: join(h.tempDir, 'missing') });
    const worker = new Worker({ broker: h.broker, runtime, logger: silentLogger(), version: '1' });
    h.track(worker);
    await worker.start();
    expect(h.heartbeats()[0]).toMatchObject({ id: worker.id, status: 'DOWN' });
  });

  it('counts running tasks in its heartbeats', async () => {
    const worker = await h.startWorker({ heartbeatIntervalMs: 20 });
    const t = h.task({ run: h.untilGate() });
    await h.broker.publish('default', { kind: 'task', task: t });
    await waitFor(() => h.heartbeats().some((n) => n.taskCount === 1), {
      message: 'a heartbeat counting the task',
    });
    expect(worker.runningCount).toBe(1);
    await h.openGate();
    await h.outcome(t.id!);
  });

  it('runs as many tasks from a queue at once as the queue is configured for', async () => {
    const worker = await h.startWorker({ queues: { default: 2, other: 1 } });
    const ts = [1, 2, 3].map(() => h.task({ run: h.untilGate() }));
    for (const t of ts) await h.broker.publish('default', { kind: 'task', task: t });
    const elsewhere = h.task({ queue: 'other', run: h.untilGate() });
    await h.broker.publish('other', { kind: 'task', task: elsewhere });
    await waitFor(() => worker.runningCount === 3, { message: 'three tasks running' });
    expect(
      h
        .tasksOn(QUEUE.started)
        .map((t) => t.id)
        .sort(),
    ).toEqual([ts[0]!.id, ts[1]!.id, elsewhere.id].sort());
    expect((await h.broker.queueInfo('default')).size).toBe(1);
    await h.openGate();
    for (const t of [...ts, elsewhere]) expect(await h.outcome(t.id!)).toMatchObject({ state: 'COMPLETED' });
  });

  it('consumes the default queue when its queue list is empty', async () => {
    await h.startWorker({ queues: {} });
    const t = h.task({ run: 'true' });
    await h.broker.publish('default', { kind: 'task', task: t });
    expect(await h.outcome(t.id!)).toMatchObject({ state: 'COMPLETED', result: '' });
  });

  it('does not consume coordinator queues named in its queue list', async () => {
    await h.startWorker({ queues: { default: 1, completed: 1, 'x-other': 1 } });
    expect((await h.broker.queueInfo(QUEUE.completed)).subscribers).toBe(1);
    await expect(h.broker.queueInfo('x-other')).rejects.toThrow('queue x-other not found');
  });

  it('runs a task delivered twice at once only once', async () => {
    const worker = await h.startWorker({ queues: { default: 2 } });
    const t = h.task({ run: h.untilGate() });
    await h.broker.publish('default', { kind: 'task', task: t });
    await h.broker.publish('default', { kind: 'task', task: t });
    await waitFor(async () => (await h.broker.queueInfo('default')).unacked === 1, {
      message: 'the duplicate to be acknowledged',
    });
    expect(worker.runningCount).toBe(1);
    await h.openGate();
    await h.outcome(t.id!);
    await waitFor(async () => (await h.broker.queueInfo('default')).unacked === 0, {
      message: 'the task to be acknowledged',
    });
    expect(h.tasksOn(QUEUE.completed, t.id)).toHaveLength(1);
    expect(h.tasksOn(QUEUE.started, t.id)).toHaveLength(1);
  });

  it('cancels running tasks on close and reports them before close resolves', async () => {
    const worker = await h.startWorker();
    const t = h.task({ run: 'exec sleep 100' });
    await h.broker.publish('default', { kind: 'task', task: t });
    await waitFor(() => worker.runningCount === 1, { message: 'the task to run' });
    const closing = worker.close();
    expect(worker.close()).toBe(closing);
    await closing;
    expect(h.tasksOn(QUEUE.error, t.id)[0]).toMatchObject({
      state: 'FAILED',
      error: 'task cancelled',
      killedBy: 'cancel',
    });
    expect(worker.runningCount).toBe(0);
    expect((await h.broker.queueInfo('default')).subscribers).toBe(0);
    await expect(worker.start()).rejects.toThrow('worker is closed');
  });

  it('rejects a constructor call without a broker, naming the option', () => {
    const runtime = new ShellRuntime({ logger: silentLogger(), tempDir: h.tempDir });
    expect(
      () => new Worker({ runtime, logger: silentLogger(), version: '1' } as unknown as WorkerOptions),
    ).toThrow('Worker: option "broker" is required');
  });
});
