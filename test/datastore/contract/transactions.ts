import { describe, expect, it } from 'vitest';
import { at, makeJob, makeTask, type DatastoreContext } from './fixtures.js';

export function describeTransactions(ctx: DatastoreContext): void {
  describe('transactions', () => {
    it('commits every call made inside a transaction and returns its value', async () => {
      const job = makeJob();
      const task = makeTask(job);
      const value = await ctx.ds.transaction(async (tx) => {
        await tx.createJob(job);
        await tx.createTask(task);
        await tx.updateJob(job.id, (j) => {
          j.state = 'SCHEDULED';
        });
        return 'done';
      });
      expect(value).toBe('done');
      expect((await ctx.ds.getJob(job.id)).state).toBe('SCHEDULED');
      expect(await ctx.ds.findTask(task.id!)).toBeDefined();
    });

    it('leaves nothing behind when the transaction throws', async () => {
      const existing = makeJob();
      await ctx.ds.createJob(existing);
      const job = makeJob();
      const task = makeTask(job);
      const attempt = ctx.ds.transaction(async (tx) => {
        await tx.createJob(job);
        await tx.createTasks([task, makeTask(job)]);
        await tx.createLogParts([{ taskId: task.id!, number: 1, contents: 'x' }]);
        await tx.updateJob(existing.id, (j) => {
          j.state = 'CANCELLED';
        });
        throw new Error('rolled back');
      });
      await expect(attempt).rejects.toThrow('rolled back');
      expect(await ctx.ds.findJob(job.id)).toBeUndefined();
      expect(await ctx.ds.findTask(task.id!)).toBeUndefined();
      expect((await ctx.ds.getTaskLogParts(task.id!, { page: 1, size: 1 })).totalItems).toBe(0);
      expect((await ctx.ds.getJob(existing.id)).state).toBe('PENDING');
    });

    it('runs a nested transaction as part of the outer one', async () => {
      const inner = makeJob();
      const attempt = ctx.ds.transaction(async (tx) => {
        await tx.transaction(async (nested) => {
          await nested.createJob(inner);
        });
        expect(await tx.findJob(inner.id)).toBeDefined();
        throw new Error('outer failed');
      });
      await expect(attempt).rejects.toThrow('outer failed');
      expect(await ctx.ds.findJob(inner.id)).toBeUndefined();
    });

    it('sees its own uncommitted writes inside the transaction', async () => {
      const job = makeJob();
      await ctx.ds.transaction(async (tx) => {
        await tx.createJob(job);
        await tx.createTask(makeTask(job, { state: 'RUNNING' }));
        expect((await tx.getActiveTasks(job.id)).length).toBe(1);
        expect((await tx.listJobs({ page: 1, size: 10 })).totalItems).toBe(1);
      });
    });

    it('loses no update when many callers modify the same job at once', async () => {
      const job = makeJob({ progress: 0 });
      await ctx.ds.createJob(job);
      await Promise.all(
        Array.from({ length: 25 }, () =>
          ctx.ds.updateJob(job.id, async (current) => {
            const seen = current.progress ?? 0;
            await new Promise((resolve) => setImmediate(resolve));
            current.progress = seen + 1;
          }),
        ),
      );
      expect((await ctx.ds.getJob(job.id)).progress).toBe(25);
    });

    it('loses no update when many callers modify the same task at once', async () => {
      const job = makeJob();
      const task = makeTask(job, { redelivered: 0, startedAt: at(1) });
      await ctx.ds.createJob(job);
      await ctx.ds.createTask(task);
      await Promise.all(
        Array.from({ length: 25 }, () =>
          ctx.ds.updateTask(task.id!, async (current) => {
            const seen = current.redelivered ?? 0;
            await Promise.resolve();
            current.redelivered = seen + 1;
          }),
        ),
      );
      expect((await ctx.ds.getTask(task.id!)).redelivered).toBe(25);
    });
  });
}
