import { describe, expect, it } from 'vitest';
import { at, makeJob, makeTask, type DatastoreContext } from './fixtures.js';
import type { Job } from '../../../src/model/job.js';

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

    it('updates a job as it stands in the transaction, after one of its tasks and after itself', async () => {
      const job = makeJob({ state: 'SCHEDULED', progress: 0, position: 1, secrets: { token: 's3cret' } });
      const task = makeTask(job, { state: 'SCHEDULED' });
      await ctx.ds.createJob(job);
      await ctx.ds.createTask(task);
      const seen: Array<Pick<Job, 'state' | 'progress' | 'position' | 'secrets'>> = [];
      const remember = (j: Job) => seen.push({ state: j.state, progress: j.progress, position: j.position, secrets: j.secrets });
      await ctx.ds.transaction(async (tx) => {
        await tx.updateTask(task.id!, (t) => void (t.state = 'RUNNING'));
        await tx.updateJob(job.id, (j) => {
          remember(j);
          j.state = 'RUNNING';
          j.progress = 50;
        });
        const last = await tx.updateJob(job.id, (j) => {
          remember(j);
          j.position = 2;
        });
        expect(last).toMatchObject({ state: 'RUNNING', progress: 50, position: 2 });
        expect(await tx.getJob(job.id)).toMatchObject({ state: 'RUNNING', progress: 50, position: 2 });
      });
      expect(seen).toEqual([
        { state: 'SCHEDULED', progress: 0, position: 1, secrets: { token: 's3cret' } },
        { state: 'RUNNING', progress: 50, position: 1, secrets: { token: 's3cret' } },
      ]);
      expect(await ctx.ds.getJob(job.id)).toMatchObject({ state: 'RUNNING', progress: 50, position: 2, secrets: { token: 's3cret' } });
      expect((await ctx.ds.getTask(task.id!)).state).toBe('RUNNING');
    });

    it('updates a job a previous transaction changed after it was last read in this one', async () => {
      const job = makeJob({ state: 'RUNNING', progress: 0 });
      const task = makeTask(job, { state: 'RUNNING' });
      await ctx.ds.createJob(job);
      await ctx.ds.createTask(task);
      await ctx.ds.transaction(async (tx) => {
        await tx.updateTask(task.id!, (t) => void (t.progress = 10));
        await tx.updateJob(job.id, (j) => void (j.progress = 10));
      });
      await ctx.ds.updateJob(job.id, (j) => void (j.progress = 20));
      await ctx.ds.transaction(async (tx) => {
        await tx.updateTask(task.id!, (t) => void (t.progress = 30));
        await tx.updateJob(job.id, (j) => {
          expect(j.progress).toBe(20);
          j.progress = 30;
        });
      });
      expect((await ctx.ds.getJob(job.id)).progress).toBe(30);
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

    describe('asked for while another runs (group commit)', () => {
      /** A transaction that stays open until `release()`: those asked for meanwhile join it. */
      function blocker(): { done: Promise<void>; release: () => void; started: Promise<void> } {
        let release!: () => void;
        let started!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const running = new Promise<void>((resolve) => (started = resolve));
        const done = ctx.ds.transaction(async (tx) => {
          await tx.createJob(makeJob());
          started();
          await gate;
        });
        return { done, release, started: running };
      }

      it('gives each caller its own value, and commits every body that succeeded', async () => {
        const block = blocker();
        await block.started;
        const jobs = Array.from({ length: 6 }, () => makeJob());
        const attempts = jobs.map((job, i) =>
          ctx.ds.transaction(async (tx) => {
            await tx.createJob(job);
            if (i === 2) throw new Error(`body ${i} failed`);
            return i;
          }),
        );
        block.release();
        const outcomes = await Promise.allSettled([block.done, ...attempts]);
        expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
        expect(outcomes.slice(1).map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([
          0,
          1,
          'body 2 failed',
          3,
          4,
          5,
        ]);
        const stored = await Promise.all(jobs.map((job) => ctx.ds.findJob(job.id)));
        expect(stored.map((job) => job !== undefined)).toEqual([true, true, false, true, true, true]);
      });

      it('rolls back only the body that failed, with everything it wrote', async () => {
        const shared = makeJob({ progress: 0 });
        await ctx.ds.createJob(shared);
        const block = blocker();
        await block.started;
        const bump = (fail: boolean) =>
          ctx.ds.transaction(async (tx) => {
            const task = makeTask(shared);
            await tx.createTask(task);
            await tx.updateJob(shared.id, (j) => {
              j.progress = (j.progress ?? 0) + 1;
            });
            if (fail) throw new Error('undo me');
            return task.id!;
          });
        const attempts = [bump(false), bump(true), bump(false)];
        block.release();
        const outcomes = await Promise.allSettled(attempts);
        expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        // Each successful body saw the one before it; the failed one's increment is gone.
        expect((await ctx.ds.getJob(shared.id)).progress).toBe(2);
        expect(await ctx.ds.getActiveTasks(shared.id)).toHaveLength(2);
      });

      it('lets the bodies after a failed first one commit', async () => {
        const block = blocker();
        await block.started;
        const later = makeJob();
        const first = ctx.ds.transaction(async () => {
          throw new Error('first fails');
        });
        const second = ctx.ds.transaction((tx) => tx.createJob(later));
        block.release();
        await expect(first).rejects.toThrow('first fails');
        await second;
        expect(await ctx.ds.findJob(later.id)).toBeDefined();
      });

      it('resolves each caller only once its writes are visible to every other reader', async () => {
        const jobs = Array.from({ length: 10 }, () => makeJob());
        const seen = await Promise.all(
          jobs.map(async (job) => {
            await ctx.ds.transaction((tx) => tx.createJob(job));
            // Outside the transaction: on PostgreSQL another connection of the pool.
            return (await ctx.ds.findJob(job.id)) !== undefined;
          }),
        );
        expect(seen).toEqual(jobs.map(() => true));
      });
    });
  });
}
