import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../src/errors.js';
import type { ScheduledJob } from '../../../src/model/scheduled-job.js';
import {
  at,
  createJobs,
  makeJob,
  makeScheduledJob,
  makeTask,
  T0,
  type DatastoreContext,
} from './fixtures.js';
import { GUEST } from './jobs.js';

function fullScheduledJob(): ScheduledJob {
  return makeScheduledJob({
    description: 'every hour',
    inputs: { a: 'b' },
    defaults: { timeout: '1m' },
    autoDelete: { after: '1h' },
    webhooks: [{ url: 'http://example.com' }],
    tags: ['t1'],
    secrets: { KEY: 'v' },
    output: '{{ tasks.x }}',
  });
}

export function describeScheduledJobs(ctx: DatastoreContext): void {
  describe('scheduled jobs', () => {
    it('returns a stored scheduled job with every field, created by the guest user', async () => {
      const job = fullScheduledJob();
      await ctx.ds.createScheduledJob(job);
      expect(await ctx.ds.getScheduledJob(job.id)).toEqual({
        ...job,
        createdBy: expect.objectContaining(GUEST),
      });
    });

    it('throws NotFoundError for an unknown scheduled job', async () => {
      await expect(ctx.ds.getScheduledJob('nope')).rejects.toThrow(
        new NotFoundError('scheduled job not found'),
      );
      await expect(ctx.ds.updateScheduledJob('nope', () => {})).rejects.toThrow(
        new NotFoundError('scheduled job not found'),
      );
      await expect(ctx.ds.deleteScheduledJob('nope')).rejects.toThrow(
        new NotFoundError('scheduled job not found'),
      );
    });

    it('updates a scheduled job and returns it as written', async () => {
      const job = makeScheduledJob();
      await ctx.ds.createScheduledJob(job);
      const written = await ctx.ds.updateScheduledJob(job.id, (current) => {
        current.state = 'PAUSED';
      });
      expect(written.state).toBe('PAUSED');
      expect(await ctx.ds.getScheduledJob(job.id)).toEqual(written);
    });

    it('lists scheduled jobs newest first with the permission filter, and the active ones', async () => {
      await ctx.ds.createUser({ id: 'u-alice', username: 'alice', createdAt: T0 });
      const jobs = [
        makeScheduledJob({ name: 's0', createdAt: at(0) }),
        makeScheduledJob({ name: 's1', createdAt: at(1), state: 'PAUSED' }),
        makeScheduledJob({ name: 's2', createdAt: at(2), permissions: [{ user: { id: 'u-alice' } }] }),
      ];
      for (const job of jobs) await ctx.ds.createScheduledJob(job);
      const all = await ctx.ds.listScheduledJobs({ page: 1, size: 2 });
      expect(all.items.map((j) => j.name)).toEqual(['s2', 's1']);
      expect(all).toMatchObject({ totalItems: 3, totalPages: 2, size: 2 });
      const forBob = await ctx.ds.listScheduledJobs({ page: 1, size: 10, username: 'bob' });
      expect(forBob.items.map((j) => j.name)).toEqual(['s1', 's0']);
      const forAlice = await ctx.ds.listScheduledJobs({ page: 1, size: 10, username: 'alice' });
      expect(forAlice.items.map((j) => j.name)).toEqual(['s2', 's1', 's0']);
      expect((await ctx.ds.listActiveScheduledJobs()).map((j) => j.name)).toEqual(['s0', 's2']);
    });

    it('deletes a scheduled job with every job it created, their tasks and logs', async () => {
      const schedule = makeScheduledJob();
      await ctx.ds.createScheduledJob(schedule);
      const instance = makeJob({ schedule: { id: schedule.id, cron: schedule.cron } });
      await ctx.ds.createJob(instance);
      const task = makeTask(instance);
      await ctx.ds.createTask(task);
      await ctx.ds.createLogParts([{ taskId: task.id!, number: 1, contents: 'x' }]);
      const [unrelated] = await createJobs(ctx.ds, 1);
      expect((await ctx.ds.getJob(instance.id)).schedule).toEqual({ id: schedule.id });
      await ctx.ds.deleteScheduledJob(schedule.id);
      await expect(ctx.ds.getScheduledJob(schedule.id)).rejects.toBeInstanceOf(NotFoundError);
      expect(await ctx.ds.findJob(instance.id)).toBeUndefined();
      expect(await ctx.ds.findTask(task.id!)).toBeUndefined();
      expect((await ctx.ds.getTaskLogParts(task.id!, { page: 1, size: 1 })).totalItems).toBe(0);
      expect(await ctx.ds.findJob(unrelated!.id)).toBeDefined();
    });
  });
}
