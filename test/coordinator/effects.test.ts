import { describe, expect, it } from 'vitest';
import type { Broker } from '../../src/broker/broker.js';
import { Effects } from '../../src/coordinator/effects.js';
import { CoordinatorMetrics } from '../../src/coordinator/metrics.js';
import type { Job } from '../../src/model/job.js';

/** A broker that only notes what is published, in order (the rest is never called here). */
function recordingBroker(seen: string[]): Broker {
  return {
    publish: async (queue: string) => void seen.push(`message ${queue}`),
    publishEvent: async (topic: string) => void seen.push(`event ${topic}`),
  } as unknown as Broker;
}

function job(id: string, state: Job['state']): Job {
  return { id, name: id, state, position: 1, taskCount: 1, context: {}, tasks: [], createdAt: new Date() } as unknown as Job;
}

/** What a waiting `POST /jobs` does once told: a few steps of promise code, then its read. */
async function readAfterSteps(seen: string[], label: string): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  seen.push(label);
}

describe('Effects.run after a commit', () => {
  it("lets a waiting submit's read start before the job's events are sent", async () => {
    const seen: string[] = [];
    const effects = new Effects();
    effects.jobState(job('j1', 'COMPLETED'));
    const reads: Array<Promise<void>> = [];
    await effects.run({
      broker: recordingBroker(seen),
      metrics: new CoordinatorMetrics(),
      jobEnded: () => {
        reads.push(readAfterSteps(seen, 'read j1'));
        return true;
      },
    });
    await Promise.all(reads);
    expect(seen).toEqual(['read j1', 'event job.completed']);
  });

  it('sends the events at once when no request waits for the job', async () => {
    const seen: string[] = [];
    const effects = new Effects();
    effects.jobState(job('j1', 'COMPLETED'));
    const running = effects.run({ broker: recordingBroker(seen), metrics: new CoordinatorMetrics(), jobEnded: () => false });
    expect(seen).toEqual(['event job.completed']);
    await running;
  });

  it('never holds back the messages to queues, only the events', async () => {
    const seen: string[] = [];
    const effects = new Effects();
    effects.publish('x-node', { kind: 'task', task: { id: 't1' } });
    effects.jobState(job('j1', 'FAILED'));
    const running = effects.run({ broker: recordingBroker(seen), metrics: new CoordinatorMetrics(), jobEnded: () => true });
    expect(seen).toEqual(['message x-node']);
    await running;
    expect(seen).toEqual(['message x-node', 'event job.failed']);
  });

  it('keeps events in the order their changes committed while some are held', async () => {
    const seen: string[] = [];
    const deps = (told: boolean) => ({ broker: recordingBroker(seen), metrics: new CoordinatorMetrics(), jobEnded: () => told });
    const first = new Effects();
    first.jobState(job('j1', 'COMPLETED'));
    const second = new Effects();
    second.jobProgress(job('j2', 'RUNNING'));
    const third = new Effects();
    third.jobState(job('j3', 'COMPLETED'));
    // The first is held for its waiter; the two after it commit in the same turn and wait for it.
    await Promise.all([first.run(deps(true)), second.run(deps(false)), third.run(deps(true))]);
    expect(seen).toEqual(['event job.completed', 'event job.progress', 'event job.completed']);
    // Once all were sent, nothing holds the next run back.
    seen.length = 0;
    const fourth = new Effects();
    fourth.jobProgress(job('j4', 'RUNNING'));
    const running = fourth.run(deps(false));
    expect(seen).toEqual(['event job.progress']);
    await running;
  });
});
