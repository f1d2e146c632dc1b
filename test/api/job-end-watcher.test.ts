import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryBroker } from '../../src/broker/inmemory.js';
import { JobEndWatcher } from '../../src/api/job-end-watcher.js';
import { silentLogger } from '../../src/logger.js';
import { newId } from '../../src/model/ids.js';
import type { Job } from '../../src/model/job.js';

const job = (state: Job['state'], id = newId()): Job =>
  ({ id, name: 'watched', state, createdAt: new Date(), position: 1, taskCount: 1, tasks: [], context: {} }) as unknown as Job;

describe('JobEndWatcher', () => {
  let broker: InMemoryBroker;
  let watcher: JobEndWatcher;
  beforeEach(() => {
    broker = new InMemoryBroker({ logger: silentLogger() });
    watcher = new JobEndWatcher(broker);
  });
  afterEach(async () => {
    await watcher.close();
    await broker.close();
  });

  it("tells a waiter of its job's end from the coordinator of this process, with a copy of the job", async () => {
    const ended = job('COMPLETED');
    const seen: Job[] = [];
    const stop = await watcher.watch(ended.id, (j) => seen.push(j));
    watcher.notify(ended);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toEqual(ended);
    expect(seen[0]).not.toBe(ended);
    stop();
    expect(watcher.waiting).toBe(0);
  });

  it('ignores jobs nobody waits for and states that are not terminal', async () => {
    const running = job('RUNNING');
    const seen: Job[] = [];
    await watcher.watch(running.id, (j) => seen.push(j));
    watcher.notify(running);
    watcher.notify(job('FAILED'));
    expect(seen).toEqual([]);
  });

  it('still tells a waiter through the broker when no coordinator of this process tells it', async () => {
    const failed = job('FAILED');
    const seen = new Promise<Job>((resolve) => void watcher.watch(failed.id, resolve));
    // watch() subscribes on first use; give it the moment it takes before publishing.
    await watcher.watch(newId(), () => undefined);
    await broker.publishEvent('job.failed', { kind: 'job', job: failed });
    expect((await seen).id).toBe(failed.id);
  });
});
