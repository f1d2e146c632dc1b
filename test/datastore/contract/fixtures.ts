import { afterEach, beforeEach } from 'vitest';
import type { Datastore } from '../../../src/datastore/datastore.js';
import { newId, newNodeId } from '../../../src/model/ids.js';
import type { Job } from '../../../src/model/job.js';
import type { Node } from '../../../src/model/node.js';
import type { ScheduledJob } from '../../../src/model/scheduled-job.js';
import type { Task } from '../../../src/model/task.js';

/** Makes a fresh, migrated, empty datastore; the suite closes it after each test. */
export type DatastoreFactory = () => Promise<Datastore>;

export interface DatastoreContext {
  /** The datastore of the running test. */
  readonly ds: Datastore;
}

/** A fresh datastore per test, closed afterwards. */
export function useDatastore(create: DatastoreFactory): DatastoreContext {
  let current: Datastore | undefined;
  beforeEach(async () => {
    current = await create();
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return {
    get ds(): Datastore {
      if (!current) throw new Error('no datastore: used outside a test');
      return current;
    },
  };
}

/** A fixed clock start, so that ordering by time never depends on how fast the test runs. */
export const T0 = new Date('2024-05-01T10:00:00.000Z');

export function at(offsetMs: number): Date {
  return new Date(T0.getTime() + offsetMs);
}

export function makeJob(overrides: Partial<Job> = {}): Job {
  return {
    id: newId(),
    name: 'a job',
    state: 'PENDING',
    createdAt: T0,
    tasks: [{ name: 'first', run: 'echo hello' }],
    position: 0,
    context: { inputs: {} },
    taskCount: 1,
    ...overrides,
  };
}

export function makeTask(job: Job, overrides: Partial<Task> = {}): Task {
  return {
    id: newId(),
    jobId: job.id,
    position: 1,
    name: 'a task',
    state: 'CREATED',
    createdAt: T0,
    run: 'echo hello',
    ...overrides,
  };
}

export function makeNode(overrides: Partial<Node> = {}): Node {
  return {
    id: newNodeId(),
    name: 'Worker',
    startedAt: T0,
    lastHeartbeatAt: T0,
    status: 'UP',
    cpuPercent: 10,
    queue: 'x-node',
    hostname: 'host-1',
    taskCount: 0,
    version: '0.1.0',
    ...overrides,
  };
}

export function makeScheduledJob(overrides: Partial<ScheduledJob> = {}): ScheduledJob {
  return {
    id: newId(),
    name: 'a schedule',
    cron: '0 * * * *',
    state: 'ACTIVE',
    tasks: [{ name: 'first', run: 'echo hello' }],
    createdAt: T0,
    ...overrides,
  };
}

/** Create jobs one minute apart (the first is the oldest) and return them. */
export async function createJobs(
  ds: Datastore,
  count: number,
  overrides: (i: number) => Partial<Job> = () => ({}),
) {
  const jobs: Job[] = [];
  for (let i = 0; i < count; i++) {
    const job = makeJob({ name: `job ${i}`, createdAt: at(i * 60_000), ...overrides(i) });
    await ds.createJob(job);
    jobs.push(job);
  }
  return jobs;
}

/** Create one job per spec, one minute apart (the first is the oldest), named `job <i>` unless given. */
export function createJobsFrom(ds: Datastore, specs: Partial<Job>[]): Promise<Job[]> {
  return createJobs(ds, specs.length, (i) => specs[i]!);
}
