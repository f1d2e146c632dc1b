import { describe, expect, it } from 'vitest';
import type { JobState } from '../../../src/model/states.js';
import { at, makeJob, makeTask, type DatastoreContext } from './fixtures.js';

const HOUR = 3_600_000;

export function describePurge(ctx: DatastoreContext): void {
  describe('purge', () => {
    it('deletes log parts older than the logs cutoff and keeps newer ones', async () => {
      const job = makeJob();
      const task = makeTask(job);
      await ctx.ds.createJob(job);
      await ctx.ds.createTask(task);
      await ctx.ds.createLogParts(
        [1, 2, 3, 4].map((n) => ({
          taskId: task.id!,
          number: n,
          contents: `l${n}`,
          createdAt: at(n * HOUR),
        })),
      );
      const deleted = await ctx.ds.purge({
        logsBefore: at(2.5 * HOUR),
        jobsBefore: at(0),
        now: at(10 * HOUR),
        limit: 100,
      });
      expect(deleted).toBe(2);
      const left = await ctx.ds.getTaskLogParts(task.id!, { page: 1, size: 10 });
      expect(left.items.map((p) => p.number)).toEqual([4, 3]);
    });

    it('deletes expired jobs and old finished jobs with their tasks and logs, and keeps the rest', async () => {
      const cases: [name: string, state: JobState, createdHour: number, deleteAtHour?: number][] = [
        ['expired running', 'RUNNING', 9, 5],
        ['old completed', 'COMPLETED', 1],
        ['old failed', 'FAILED', 1],
        ['old cancelled', 'CANCELLED', 1],
        ['old running', 'RUNNING', 1],
        ['recent completed', 'COMPLETED', 8],
        ['not yet expired', 'COMPLETED', 8, 11],
      ];
      const jobs = cases.map(([name, state, created, deleteAt]) =>
        makeJob({
          name,
          state,
          createdAt: at(created * HOUR),
          deleteAt: deleteAt === undefined ? undefined : at(deleteAt * HOUR),
        }),
      );
      for (const job of jobs) await ctx.ds.createJob(job);
      const task = makeTask(jobs[1]!);
      await ctx.ds.createTask(task);
      await ctx.ds.createLogParts([{ taskId: task.id!, number: 1, contents: 'x', createdAt: at(9 * HOUR) }]);
      const deleted = await ctx.ds.purge({
        logsBefore: at(0),
        jobsBefore: at(5 * HOUR),
        now: at(10 * HOUR),
        limit: 100,
      });
      expect(deleted).toBe(4);
      const left = await ctx.ds.listJobs({ page: 1, size: 20 });
      expect(left.items.map((j) => j.name).sort()).toEqual([
        'not yet expired',
        'old running',
        'recent completed',
      ]);
      expect(await ctx.ds.findTask(task.id!)).toBeUndefined();
      expect((await ctx.ds.getTaskLogParts(task.id!, { page: 1, size: 1 })).totalItems).toBe(0);
    });

    it('deletes at most the limit of each kind per call', async () => {
      const job = makeJob({ state: 'COMPLETED' });
      const task = makeTask(job);
      await ctx.ds.createTask(task);
      await ctx.ds.createLogParts(
        [1, 2, 3].map((n) => ({ taskId: task.id!, number: n, contents: 'x', createdAt: at(0) })),
      );
      for (let i = 0; i < 3; i++) await ctx.ds.createJob(makeJob({ state: 'COMPLETED', createdAt: at(0) }));
      const request = { logsBefore: at(HOUR), jobsBefore: at(HOUR), now: at(HOUR), limit: 2 };
      expect(await ctx.ds.purge(request)).toBe(4);
      expect(await ctx.ds.purge(request)).toBe(2);
      expect(await ctx.ds.purge(request)).toBe(0);
    });
  });
}
