import { describe, expect, it } from 'vitest';
import type { TaskLogPart } from '../../../src/model/log-part.js';
import { at, makeJob, makeTask, type DatastoreContext } from './fixtures.js';

function parts(taskId: string, count: number, contents = (n: number) => `line ${n}`): TaskLogPart[] {
  return Array.from({ length: count }, (_, i) => ({
    taskId,
    number: i + 1,
    contents: contents(i + 1),
    createdAt: at(i),
  }));
}

export function describeLogs(ctx: DatastoreContext): void {
  describe('log parts', () => {
    it('returns the log parts of a task newest first, paged', async () => {
      const job = makeJob();
      const task = makeTask(job);
      await ctx.ds.createJob(job);
      await ctx.ds.createTask(task);
      await ctx.ds.createLogParts(parts(task.id!, 7));
      const first = await ctx.ds.getTaskLogParts(task.id!, { page: 1, size: 3 });
      expect(first.items.map((p) => p.number)).toEqual([7, 6, 5]);
      expect(first).toMatchObject({ number: 1, size: 3, totalItems: 7, totalPages: 3 });
      expect(first.items[0]).toEqual({
        id: expect.any(String),
        taskId: task.id,
        number: 7,
        contents: 'line 7',
        createdAt: at(6),
      });
      const last = await ctx.ds.getTaskLogParts(task.id!, { page: 3, size: 3 });
      expect(last.items.map((p) => p.number)).toEqual([1]);
    });

    it('returns the log parts of a job by task position, task createdAt, then number, all descending', async () => {
      const job = makeJob();
      const other = makeJob();
      const t1 = makeTask(job, { position: 1, createdAt: at(0) });
      const t2old = makeTask(job, { position: 2, createdAt: at(1) });
      const t2new = makeTask(job, { position: 2, createdAt: at(2) });
      const foreign = makeTask(other, { position: 9 });
      await ctx.ds.createJob(job);
      await ctx.ds.createJob(other);
      await ctx.ds.createTasks([t1, t2old, t2new, foreign]);
      await ctx.ds.createLogParts([
        ...parts(t1.id!, 2, (n) => `t1-${n}`),
        ...parts(t2old.id!, 2, (n) => `t2old-${n}`),
        ...parts(t2new.id!, 2, (n) => `t2new-${n}`),
        ...parts(foreign.id!, 2, (n) => `foreign-${n}`),
      ]);
      const page = await ctx.ds.getJobLogParts(job.id, { page: 1, size: 10 });
      expect(page.items.map((p) => p.contents)).toEqual([
        't2new-2',
        't2new-1',
        't2old-2',
        't2old-1',
        't1-2',
        't1-1',
      ]);
      expect(page).toMatchObject({ totalItems: 6, totalPages: 1, size: 6 });
    });

    it('searches log contents and counts only the matching parts', async () => {
      const job = makeJob();
      const task = makeTask(job);
      await ctx.ds.createJob(job);
      await ctx.ds.createTask(task);
      await ctx.ds.createLogParts(
        parts(task.id!, 9, (n) => (n % 3 === 0 ? `error: disk ${n} failed` : `ok ${n}`)),
      );
      const byTask = await ctx.ds.getTaskLogParts(task.id!, { page: 1, size: 2, q: 'errors disk' });
      expect(byTask.items.map((p) => p.number)).toEqual([9, 6]);
      expect(byTask).toMatchObject({ totalItems: 3, totalPages: 2, size: 2 });
      const byJob = await ctx.ds.getJobLogParts(job.id, { page: 2, size: 2, q: 'fail tag:ignored' });
      expect(byJob.items.map((p) => p.number)).toEqual([3]);
      expect(byJob).toMatchObject({ totalItems: 3, totalPages: 2, size: 1 });
    });

    it('returns an empty page for a task without logs', async () => {
      const page = await ctx.ds.getTaskLogParts('no-such-task', { page: 1, size: 25 });
      expect(page).toEqual({ items: [], number: 1, size: 0, totalItems: 0, totalPages: 0 });
    });
  });
}
