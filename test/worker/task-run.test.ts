import { describe, expect, it } from 'vitest';
import { deferred } from '../../src/async.js';
import type { Broker, Message } from '../../src/broker/broker.js';
import { QUEUE } from '../../src/broker/broker.js';
import { silentLogger } from '../../src/logger.js';
import type { Runtime } from '../../src/runtime/runtime.js';
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

function context(broker: Broker, runtime: Runtime): TaskRunContext {
  return { broker, runtime, logger: silentLogger(), nodeId: 'n1', defaultTimeout: undefined, logFlushIntervalMs: 1000 };
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
});
