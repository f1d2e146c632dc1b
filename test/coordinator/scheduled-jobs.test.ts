import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../src/async.js';
import type { Message } from '../../src/broker/broker.js';
import { InMemoryBroker } from '../../src/broker/inmemory.js';
import { ScheduledJobRunner } from '../../src/coordinator/scheduled-jobs.js';
import { SqliteDatastore } from '../../src/datastore/sqlite.js';
import { silentLogger } from '../../src/logger.js';
import { newId } from '../../src/model/ids.js';
import type { ScheduledJob } from '../../src/model/scheduled-job.js';

/** One coordinator's share of the cron work: its own connection and broker, one shared file. */
interface Node {
  ds: SqliteDatastore;
  broker: InMemoryBroker;
  runner: ScheduledJobRunner;
  published: Message[];
}

describe('scheduled jobs with two coordinators on one datastore', () => {
  let dir: string;
  let nodes: Node[];

  async function node(): Promise<Node> {
    const ds = new SqliteDatastore({ path: join(dir, 'drover.db') });
    const broker = new InMemoryBroker({ logger: silentLogger() });
    const published: Message[] = [];
    await broker.subscribe('jobs', async (m) => {
      published.push(m);
    });
    const runner = new ScheduledJobRunner({ datastore: ds, broker, logger: silentLogger() });
    const n = { ds, broker, runner, published };
    nodes.push(n);
    return n;
  }

  function schedule(overrides: Partial<ScheduledJob> = {}): ScheduledJob {
    return {
      id: newId(),
      name: 'nightly',
      cron: '0 2 * * *',
      state: 'ACTIVE',
      createdAt: new Date(),
      tags: ['report'],
      inputs: { region: 'eu' },
      secrets: { key: 'k-1' },
      defaults: { timeout: '30s', priority: 3, retry: { limit: 2 } },
      tasks: [{ name: 'report', run: 'echo report' }],
      ...overrides,
    };
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drover-cron-'));
    nodes = [];
    const setup = new SqliteDatastore({ path: join(dir, 'drover.db') });
    await setup.migrate();
    await setup.close();
  });
  afterEach(async () => {
    for (const n of nodes) {
      await n.runner.close();
      await n.broker.close();
      await n.ds.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('fires a tick once however many coordinators fire it', async () => {
    const [a, b] = [await node(), await node()];
    const sj = schedule();
    await a.ds.createScheduledJob(sj);
    const tick = new Date('2030-01-01T02:00:00.004Z');

    const fired = await Promise.all([a.runner.fire(sj.id, tick), b.runner.fire(sj.id, tick)]);
    expect(fired.filter(Boolean)).toHaveLength(1);
    expect(await a.runner.fire(sj.id, new Date(tick.getTime() + 500))).toBeUndefined();
    expect(await b.runner.fire(sj.id, new Date(tick.getTime() + 60_000))).toBeDefined();
    expect((await a.ds.listJobs({ page: 1, size: 10 })).totalItems).toBe(2);
    await waitFor(() => a.published.length + b.published.length === 2, { message: 'two jobs published' });
  });

  it("creates instances that carry the schedule's defaults, inputs, secrets and link", async () => {
    const a = await node();
    const sj = schedule();
    await a.ds.createScheduledJob(sj);
    const job = (await a.runner.fire(sj.id, new Date('2030-01-02T02:00:00Z')))!;
    const stored = await a.ds.getJob(job.id);
    expect(stored).toMatchObject({
      name: 'nightly',
      state: 'PENDING',
      tags: ['report'],
      inputs: { region: 'eu' },
      secrets: { key: 'k-1' },
      defaults: { timeout: '30s', priority: 3, retry: { limit: 2 } },
      taskCount: 1,
      schedule: { id: sj.id },
    });
    expect(stored.context).toMatchObject({
      inputs: { region: 'eu' },
      secrets: { key: 'k-1' },
      job: { id: job.id, name: 'nightly' },
    });
    await waitFor(() => a.published.length === 1, { message: 'the job on the jobs queue' });
    expect(a.published[0]).toMatchObject({ kind: 'job', job: { id: job.id } });
  });

  it('does not fire a paused or deleted schedule', async () => {
    const a = await node();
    const paused = schedule({ state: 'PAUSED' });
    await a.ds.createScheduledJob(paused);
    expect(await a.runner.fire(paused.id, new Date('2030-01-03T02:00:00Z'))).toBeUndefined();
    expect(await a.runner.fire(newId(), new Date('2030-01-03T02:00:00Z'))).toBeUndefined();
    expect((await a.ds.listJobs({ page: 1, size: 10 })).totalItems).toBe(0);
  });

  it('lines up @every ticks across coordinators started at different times', async () => {
    const a = await node();
    const sj = schedule({ cron: '@every 2s' });
    await a.ds.createScheduledJob(sj);
    await a.runner.start();
    expect(a.runner.registered()).toEqual([sj.id]);
    await waitFor(() => a.published.length === 1, { message: 'a first tick', timeoutMs: 5000 });
    // The second coordinator starts in an odd second, between two ticks of the first: an
    // interval counted from its own start would tick on odd seconds.
    await waitFor(() => Math.floor(Date.now() / 1000) % 2 === 1, { message: 'an odd second' });
    const b = await node();
    await b.runner.start();
    await waitFor(() => a.published.length + b.published.length >= 3, {
      message: 'two more ticks',
      timeoutMs: 8000,
    });
    await a.runner.close();
    await b.runner.close();
    const jobs = (await a.ds.listJobs({ page: 1, size: 20 })).items;
    const seconds = jobs.map((j) => Math.floor(j.createdAt.getTime() / 1000));
    expect(new Set(seconds).size).toBe(jobs.length);
    expect(seconds.every((s) => s % 2 === 0)).toBe(true);
  });
});
