import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../src/async.js';
import { QUEUE, type Event, type Message } from '../../src/broker/broker.js';
import { InMemoryBroker } from '../../src/broker/inmemory.js';
import type { HandlerDeps } from '../../src/coordinator/deps.js';
import { submitJob } from '../../src/coordinator/handlers/jobs.js';
import type { SqliteDatastore } from '../../src/datastore/sqlite.js';
import { toJob } from '../../src/input/to-model.js';
import { parseJob } from '../../src/input/validate.js';
import { silentLogger } from '../../src/logger.js';
import { openMigrated, useTempDirs } from '../datastore/helpers.js';
import { handlerDeps } from '../helpers/handler-deps.js';
import { newId } from '../../src/model/ids.js';
import type { Job } from '../../src/model/job.js';

const NOW = new Date('2030-06-01T12:00:00Z');

/** `POST /jobs` on an engine: the job is stored and started in one transaction (handlers/jobs.ts). */
describe('submitJob: store and start a job at once', () => {
  const temp = useTempDirs();
  let ds: SqliteDatastore;
  let broker: InMemoryBroker;
  let deps: HandlerDeps;
  let dispatched: Message[];
  let queuedJobs: Message[];
  let events: Array<{ topic: string; event: Event }>;

  beforeEach(async () => {
    ds = await openMigrated(temp.newDbPath());
    broker = new InMemoryBroker({ logger: silentLogger() });
    dispatched = [];
    queuedJobs = [];
    events = [];
    await broker.subscribe('default', async (m) => void dispatched.push(m));
    await broker.subscribe(QUEUE.jobs, async (m) => void queuedJobs.push(m));
    await broker.subscribeEvents('job.*', (topic, event) => void events.push({ topic, event }));
    deps = handlerDeps(ds, broker, NOW);
  });
  afterEach(async () => {
    await broker.close();
    await ds.close();
  });

  const submitted = (yaml: string): Job =>
    toJob(parseJob(yaml, 'text/yaml', { allowComposite: true }), { id: newId(), createdAt: new Date(NOW.getTime() - 5) });

  it('stores the job SCHEDULED with its first task dispatched, without the jobs queue', async () => {
    const job = submitted('name: at once\ntasks:\n  - name: first\n    run: "true"\n  - name: second\n    run: "true"\n');
    const stored = await submitJob(deps, job);

    expect(job.state).toBe('PENDING');
    expect(stored).toMatchObject({ id: job.id, state: 'SCHEDULED', position: 1, startedAt: NOW });
    expect(stored.createdBy?.username).toBe('guest');
    expect(await ds.findJob(job.id)).toMatchObject({ state: 'SCHEDULED', position: 1, startedAt: NOW });
    const [task] = await ds.getExecution(job.id);
    expect(task).toMatchObject({ name: 'first', state: 'SCHEDULED', position: 1, scheduledAt: NOW });

    await waitFor(() => dispatched.length === 1 && events.length === 1, { message: 'the task and the job event' });
    expect(dispatched[0]).toMatchObject({ kind: 'task', task: { id: task!.id, state: 'SCHEDULED' } });
    expect(events[0]!.topic).toBe('job.scheduled');
    expect(events[0]!.event).toMatchObject({ kind: 'job', job: { id: job.id, state: 'SCHEDULED', createdBy: { username: 'guest' } } });
    expect(queuedJobs).toEqual([]);
  });

  it('fails the job at once when its first task does not evaluate, and dispatches nothing', async () => {
    const job = submitted(`name: broken\ntasks:\n  - name: first\n    env:\n      X: "{{ int('abc') }}"\n    run: echo should not run\n`);
    await submitJob(deps, job);

    const stored = await ds.findJob(job.id);
    expect(stored?.state).toBe('FAILED');
    expect(stored?.error).toContain("int('abc')");
    await waitFor(() => events.some((e) => e.topic === 'job.failed'), { message: 'the job.failed event' });
    expect(dispatched).toEqual([]);
  });

  it('stores nothing when the job cannot be stored', async () => {
    const job = submitted('name: twice\ntasks:\n  - name: first\n    run: "true"\n');
    await submitJob(deps, job);
    await expect(submitJob(deps, { ...job, name: 'the same id again' })).rejects.toThrow();
    expect((await ds.findJob(job.id))?.name).toBe('twice');
    expect(await ds.getExecution(job.id)).toHaveLength(1);
  });
});
