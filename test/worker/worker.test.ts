import { describe, expect, it } from 'vitest';
import { waitFor } from '../../src/async.js';
import { QUEUE, nodeQueue } from '../../src/broker/broker.js';
import { isProcessAlive } from '../contract/runtime.contract.js';
import { useWorkerHarness } from './harness.js';

describe('worker running a task', () => {
  const h = useWorkerHarness();

  it('reports a task started, then completed with its result', async () => {
    const worker = await h.startWorker();
    const t = h.task({ run: 'echo -n 42 > "$TORK_OUTPUT"' });
    await h.broker.publish('default', { kind: 'task', task: t });
    const done = await h.outcome(t.id!);
    const [started] = h.tasksOn(QUEUE.started, t.id);
    expect(started).toMatchObject({ id: t.id, state: 'RUNNING', nodeId: worker.id });
    expect(started!.startedAt).toBeInstanceOf(Date);
    expect(done).toMatchObject({
      id: t.id,
      state: 'COMPLETED',
      result: '42',
      exitCode: 0,
      nodeId: worker.id,
    });
    expect(done.completedAt).toBeInstanceOf(Date);
    expect(h.sent.findIndex((s) => s.queue === QUEUE.started)).toBeLessThan(
      h.sent.findIndex((s) => s.queue === QUEUE.completed),
    );
  });

  it('reports a failing task on the error queue with its message and exit code', async () => {
    await h.startWorker();
    const t = h.task({ run: 'echo boom; exit 2' });
    await h.broker.publish('default', { kind: 'task', task: t });
    const done = await h.outcome(t.id!);
    expect(done).toMatchObject({ state: 'FAILED', error: 'exit code 2: boom', exitCode: 2 });
    expect(done.failedAt).toBeInstanceOf(Date);
    expect(h.tasksOn(QUEUE.completed)).toEqual([]);
  });

  it('ships every log line before the outcome, even when the flush interval has not passed', async () => {
    await h.startWorker({ logFlushIntervalMs: 600_000 });
    const t = h.task({ run: 'echo one; echo two >&2; echo three' });
    await h.broker.publish('default', { kind: 'task', task: t });
    await h.outcome(t.id!);
    const parts = h.logsOf(t.id!);
    expect(parts.map((p) => p.number)).toEqual(parts.map((_, i) => i + 1));
    expect(
      parts
        .map((p) => p.contents)
        .join('')
        .split('\n')
        .sort(),
    ).toEqual(['', 'one', 'three', 'two']);
    const lastLog = h.sent.findLastIndex((s) => s.queue === QUEUE.logs);
    expect(lastLog).toBeLessThan(h.sent.findIndex((s) => s.queue === QUEUE.completed));
  });

  it('splits large output into numbered parts', async () => {
    await h.startWorker({ logFlushIntervalMs: 600_000 });
    const t = h.task({ run: "head -c 200000 /dev/zero | tr '\\0' a" });
    await h.broker.publish('default', { kind: 'task', task: t });
    await h.outcome(t.id!);
    const parts = h.logsOf(t.id!);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.map((p) => p.number)).toEqual(parts.map((_, i) => i + 1));
    expect(parts.map((p) => p.contents).join('')).toBe('a'.repeat(200_000));
  });

  it('publishes progress before the outcome', async () => {
    await h.startWorker();
    const t = h.task({ run: 'echo 50 > "$TORK_PROGRESS"' });
    await h.broker.publish('default', { kind: 'task', task: t });
    await h.outcome(t.id!);
    expect(h.tasksOn(QUEUE.progress, t.id).map((p) => p.progress)).toEqual([50]);
    expect(h.sent.findIndex((s) => s.queue === QUEUE.progress)).toBeLessThan(
      h.sent.findIndex((s) => s.queue === QUEUE.completed),
    );
  });

  it('clamps progress to 0-100', async () => {
    await h.startWorker();
    const t = h.task({ run: 'echo 250 > "$TORK_PROGRESS"' });
    await h.broker.publish('default', { kind: 'task', task: t });
    await h.outcome(t.id!);
    expect(h.tasksOn(QUEUE.progress, t.id).map((p) => p.progress)).toEqual([100]);
  });

  it('cancels a running task on request through its private queue, leaving no process behind', async () => {
    const worker = await h.startWorker({ logFlushIntervalMs: 10 });
    const t = h.task({ run: 'sleep 100 & echo "pid $!"; wait' });
    await h.broker.publish('default', { kind: 'task', task: t });
    const printed = await waitFor(
      () =>
        /pid (\d+)/.exec(
          h
            .logsOf(t.id!)
            .map((p) => p.contents)
            .join(''),
        ),
      {
        message: 'the task to print its pid',
      },
    );
    await h.broker.publish(nodeQueue(worker.id), { kind: 'task', task: { ...t, state: 'CANCELLED' } });
    const done = await h.outcome(t.id!);
    expect(done).toMatchObject({ state: 'FAILED', error: 'task cancelled', killedBy: 'cancel' });
    const pid = Number(printed[1]);
    await waitFor(() => !isProcessAlive(pid), { message: `process ${pid} to end` });
    expect(worker.runningCount).toBe(0);
  });

  it('ignores a cancel request for a task that is not running here', async () => {
    const worker = await h.startWorker();
    const t = h.task({ run: h.untilGate() + '; echo -n finished > "$TORK_OUTPUT"' });
    await h.broker.publish('default', { kind: 'task', task: t });
    await waitFor(() => worker.runningCount === 1, { message: 'the task to run' });
    await h.broker.publish(nodeQueue(worker.id), { kind: 'task', task: h.task({ state: 'CANCELLED' }) });
    await waitFor(async () => (await h.broker.queueInfo(nodeQueue(worker.id))).unacked === 0, {
      message: 'the cancel to be handled',
    });
    await h.openGate();
    expect(await h.outcome(t.id!)).toMatchObject({ state: 'COMPLETED', result: 'finished' });
  });

  it('stops a task that runs past its timeout', async () => {
    await h.startWorker();
    const t = h.task({ timeout: '200ms', run: 'exec sleep 100' });
    await h.broker.publish('default', { kind: 'task', task: t });
    expect(await h.outcome(t.id!)).toMatchObject({
      state: 'FAILED',
      error: 'task timed out after 200ms',
      killedBy: 'timeout',
    });
  });

  it('applies its default timeout to a task that sets none', async () => {
    await h.startWorker({ limits: { timeout: '150ms' } });
    const t = h.task({ run: 'exec sleep 100' });
    await h.broker.publish('default', { kind: 'task', task: t });
    expect(await h.outcome(t.id!)).toMatchObject({ state: 'FAILED', error: 'task timed out after 150ms' });
    expect(h.tasksOn(QUEUE.started, t.id)[0]?.timeout).toBe('150ms');
  });

  it('fails a task whose timeout is not a duration', async () => {
    await h.startWorker();
    const t = h.task({ timeout: 'soon', run: 'echo -n ran > "$TORK_OUTPUT"' });
    await h.broker.publish('default', { kind: 'task', task: t });
    expect(await h.outcome(t.id!)).toMatchObject({
      state: 'FAILED',
      error: 'invalid timeout duration: soon',
    });
    expect(h.logsOf(t.id!)).toEqual([]);
  });
});
