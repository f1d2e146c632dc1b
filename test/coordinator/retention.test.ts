import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RetentionLoop } from '../../src/coordinator/retention.js';
import { SqliteDatastore } from '../../src/datastore/sqlite.js';
import { silentLogger } from '../../src/logger.js';
import { newId } from '../../src/model/ids.js';
import type { Job } from '../../src/model/job.js';
import type { JobState } from '../../src/model/states.js';

const HOUR = 3_600_000;
const NOW = new Date('2030-06-01T12:00:00Z');

describe('retention: autoDelete and the retention settings', () => {
  let dir: string;
  let ds: SqliteDatastore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drover-retention-'));
    ds = new SqliteDatastore({ path: join(dir, 'drover.db') });
    await ds.migrate();
  });
  afterEach(async () => {
    await ds.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A job with one task and one log part, created `ageMs` before NOW. */
  async function jobWithLog(name: string, state: JobState, ageMs: number, deleteAt?: Date): Promise<Job> {
    const createdAt = new Date(NOW.getTime() - ageMs);
    const job: Job = {
      id: newId(),
      name,
      state,
      createdAt,
      tasks: [{ name: 't', run: 'true' }],
      position: 1,
      taskCount: 1,
      context: {},
      deleteAt,
    };
    await ds.createJob(job);
    const taskId = newId();
    await ds.createTask({ id: taskId, jobId: job.id, position: 1, name: 't', state: 'COMPLETED', createdAt });
    await ds.createLogParts([{ id: newId(), taskId, number: 1, contents: `${name} log\n`, createdAt }]);
    return job;
  }

  it('deletes expired and old finished jobs with their tasks and logs, and old log parts, and keeps the rest', async () => {
    const expired = await jobWithLog('expired', 'COMPLETED', HOUR / 2, new Date(NOW.getTime() - 1000));
    const notYet = await jobWithLog('not yet', 'COMPLETED', HOUR / 2, new Date(NOW.getTime() + HOUR));
    const oldFailed = await jobWithLog('old failed', 'FAILED', 48 * HOUR);
    const oldRunning = await jobWithLog('old running', 'RUNNING', 48 * HOUR);
    const oldLogOnly = await jobWithLog('old log', 'COMPLETED', 3 * HOUR);

    const loop = new RetentionLoop({
      datastore: ds,
      logger: silentLogger(),
      logsMs: 2 * HOUR,
      jobsMs: 24 * HOUR,
    });
    expect(await loop.runOnce(NOW)).toBeGreaterThan(0);

    expect(await ds.findJob(expired.id)).toBeUndefined();
    expect(await ds.findJob(oldFailed.id)).toBeUndefined();
    expect(await ds.getExecution(expired.id)).toEqual([]);
    for (const kept of [notYet, oldRunning, oldLogOnly])
      expect((await ds.getJob(kept.id)).name).toBe(kept.name);

    const logOf = async (job: Job) =>
      (await ds.getJobLogParts(job.id, { page: 1, size: 10 })).items.map((p) => p.contents);
    expect(await logOf(notYet)).toEqual(['not yet log\n']);
    // Older than the logs retention: the log parts go, the job stays.
    expect(await logOf(oldLogOnly)).toEqual([]);
    expect(await logOf(oldRunning)).toEqual([]);

    // A second round finds nothing more to delete.
    expect(await loop.runOnce(NOW)).toBe(0);
  });

  it('deletes in batches of the configured size', async () => {
    for (let i = 0; i < 5; i++)
      await jobWithLog(`expired ${i}`, 'COMPLETED', HOUR, new Date(NOW.getTime() - 1000));
    const loop = new RetentionLoop({
      datastore: ds,
      logger: silentLogger(),
      logsMs: 24 * HOUR,
      jobsMs: 24 * HOUR,
      batch: 2,
    });
    await loop.runOnce(NOW);
    expect((await ds.listJobs({ page: 1, size: 10 })).totalItems).toBe(3);
    await loop.runOnce(NOW);
    await loop.runOnce(NOW);
    expect((await ds.listJobs({ page: 1, size: 10 })).totalItems).toBe(0);
  });
});
