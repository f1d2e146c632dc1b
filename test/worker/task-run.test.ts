import { describe, expect, it } from 'vitest';
import { deferred, waitFor } from '../../src/async.js';
import type { Broker, Message } from '../../src/broker/broker.js';
import { QUEUE } from '../../src/broker/broker.js';
import { silentLogger } from '../../src/logger.js';
import { TaskFailure, type Runtime } from '../../src/runtime/runtime.js';
import type { Task } from '../../src/model/task.js';
import { runTask, type TaskRunContext } from '../../src/worker/task-run.js';

/** A broker whose `started` publishes settle when the test says; every publish is recorded. */
function slowStartBroker() {
  const startedSent = deferred<void>();
  const log: Array<{ queue: string; state: string | undefined }> = [];
  const broker = {
    async publish(queue: string, message: Message): Promise<void> {
      if (message.kind !== 'task') return;
      log.push({ queue, state: message.task.state });
      if (queue === QUEUE.started) await startedSent.promise;
    },
  } as unknown as Broker;
  return { broker, startedSent, log };
}

function context(broker: Broker, runtime: Runtime, startedDelayMs = 0): TaskRunContext {
  return { broker, runtime, logger: silentLogger(), nodeId: 'n1', defaultTimeout: undefined, logFlushIntervalMs: 1000, startedDelayMs };
}

/** A broker that records every task message it is given. */
function recordingBroker() {
  const log: Array<{ queue: string; task: Task }> = [];
  const broker = {
    async publish(queue: string, message: Message): Promise<void> {
      if (message.kind === 'task') log.push({ queue, task: message.task });
    },
  } as unknown as Broker;
  return { broker, log };
}

describe('running one task', () => {
  it('runs the task while its start is being confirmed, and reports the outcome only after', async () => {
    const { broker, startedSent, log } = slowStartBroker();
    const ran = deferred<void>();
    const runtime = { run: async () => (ran.resolve(), { result: 'ok', exitCode: 0 }) } as unknown as Runtime;
    const running = runTask({ id: 't1', jobId: 'j1', run: 'true' }, new AbortController(), context(broker, runtime));
    await ran.promise;
    await new Promise((r) => setTimeout(r, 20));
    expect(log).toEqual([{ queue: QUEUE.started, state: 'RUNNING' }]);
    startedSent.resolve();
    await running;
    // The `started` message kept the task as it was when it started.
    expect(log).toEqual([
      { queue: QUEUE.started, state: 'RUNNING' },
      { queue: QUEUE.completed, state: 'COMPLETED' },
    ]);
  });

  it('fails the delivery, reporting no outcome, when its start cannot be published', async () => {
    const { broker, startedSent, log } = slowStartBroker();
    const runtime = { run: async () => ({ result: '', exitCode: 0 }) } as unknown as Runtime;
    const running = runTask({ id: 't2', jobId: 'j1', run: 'true' }, new AbortController(), context(broker, runtime));
    startedSent.reject(new Error('broker unreachable'));
    await expect(running).rejects.toThrow('broker unreachable');
    expect(log.map((e) => e.queue)).toEqual([QUEUE.started]);
  });

  it('reports a task that completes before the start delay by `completed` alone, with its start', async () => {
    const { broker, log } = recordingBroker();
    const runtime = { run: async () => ({ result: 'ok', exitCode: 0 }) } as unknown as Runtime;
    await runTask({ id: 't3', jobId: 'j1', run: 'true' }, new AbortController(), context(broker, runtime, 60_000));
    expect(log.map((e) => e.queue)).toEqual([QUEUE.completed]);
    expect(log[0]!.task).toMatchObject({ state: 'COMPLETED', nodeId: 'n1', result: 'ok' });
    expect(log[0]!.task.startedAt).toBeInstanceOf(Date);
  });

  it('reports `started` once the task has run for the start delay, then the outcome', async () => {
    const { broker, log } = recordingBroker();
    const release = deferred<void>();
    const runtime = { run: async () => (await release.promise, { result: 'late', exitCode: 0 }) } as unknown as Runtime;
    const running = runTask({ id: 't4', jobId: 'j1', run: 'true' }, new AbortController(), context(broker, runtime, 5));
    await waitFor(() => log.length === 1, { message: '`started` after the delay' });
    expect(log[0]).toMatchObject({ queue: QUEUE.started, task: { state: 'RUNNING' } });
    release.resolve();
    await running;
    expect(log.map((e) => e.queue)).toEqual([QUEUE.started, QUEUE.completed]);
  });

  it('reports `started` before the error of a task that fails before the start delay', async () => {
    const { broker, log } = recordingBroker();
    const runtime = {
      run: async () => {
        throw new TaskFailure('exit code 3', { exitCode: 3 });
      },
    } as unknown as Runtime;
    await runTask({ id: 't5', jobId: 'j1', run: 'false' }, new AbortController(), context(broker, runtime, 60_000));
    expect(log.map((e) => [e.queue, e.task.state])).toEqual([
      [QUEUE.started, 'RUNNING'],
      [QUEUE.error, 'FAILED'],
    ]);
  });
});
