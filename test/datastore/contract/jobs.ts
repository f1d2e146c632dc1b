import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../src/errors.js';
import type { Job } from '../../../src/model/job.js';
import { at, createJobs, makeJob, makeTask, T0, type DatastoreContext } from './fixtures.js';

export const GUEST = { name: 'Guest', username: 'guest', disabled: true };

/** A job with every field set, to check that nothing is lost on the way to the table and back. */
export function fullJob(): Job {
  return makeJob({
    parentId: 'parent-task-id',
    name: 'full job',
    description: 'every field set',
    tags: ['blue', 'green'],
    state: 'RUNNING',
    startedAt: at(1000),
    completedAt: at(2000),
    failedAt: at(3000),
    tasks: [
      { name: 'one', run: 'echo 1', env: { A: 'b' }, retry: { limit: 2 } },
      { name: 'par', parallel: { tasks: [{ name: 'p1', run: 'true' }] } },
    ],
    position: 2,
    inputs: { greeting: 'hi' },
    context: { inputs: { greeting: 'hi' }, secrets: { TOKEN: 's3cret' }, tasks: { one: 'out' } },
    taskCount: 2,
    output: '{{ tasks.one }}',
    result: 'out',
    error: 'no error really',
    defaults: {
      retry: { limit: 1 },
      limits: { cpus: '1', memory: '10m' },
      timeout: '5m',
      queue: 'q',
      priority: 3,
    },
    webhooks: [{ url: 'http://example.com/hook', headers: { X: 'y' }, event: 'job.StateChange', if: 'true' }],
    autoDelete: { after: '1h' },
    deleteAt: at(3_600_000),
    secrets: { TOKEN: 's3cret' },
    progress: 33.3,
    schedule: { id: 'schedule-id' },
  });
}

export function describeJobs(ctx: DatastoreContext): void {
  describe('jobs', () => {
    it('returns a stored job with every field as it was given, dates as Date objects', async () => {
      const job = fullJob();
      await ctx.ds.createJob(job);
      const read = await ctx.ds.getJob(job.id);
      expect(read).toEqual({ ...job, createdBy: expect.objectContaining(GUEST) });
      expect(read.startedAt).toBeInstanceOf(Date);
      expect(read.deleteAt).toBeInstanceOf(Date);
    });

    it('records the guest user as creator of a job submitted without one', async () => {
      const job = makeJob();
      await ctx.ds.createJob(job);
      const { createdBy } = await ctx.ds.getJob(job.id);
      const guest = await ctx.ds.findUser('guest');
      expect(createdBy).toEqual({ ...GUEST, id: guest?.id, createdAt: expect.any(Date) });
    });

    it('returns the creator as a user object when the job names one', async () => {
      await ctx.ds.createUser({
        id: 'u1',
        username: 'alice',
        name: 'Alice',
        createdAt: T0,
        passwordHash: 'x',
      });
      const job = makeJob({ createdBy: { username: 'alice' } });
      await ctx.ds.createJob(job);
      expect((await ctx.ds.getJob(job.id)).createdBy).toEqual({
        id: 'u1',
        username: 'alice',
        name: 'Alice',
        createdAt: T0,
      });
    });

    it('throws NotFoundError from getJob and returns undefined from findJob for an unknown id', async () => {
      await expect(ctx.ds.getJob('nope')).rejects.toThrow(new NotFoundError('job not found'));
      await expect(ctx.ds.getJob('nope')).rejects.toBeInstanceOf(NotFoundError);
      expect(await ctx.ds.findJob('nope')).toBeUndefined();
    });

    it('reads the state of a job alone, as updates leave it, and undefined for an unknown id', async () => {
      const job = makeJob();
      await ctx.ds.createJob(job);
      expect(await ctx.ds.findJobState(job.id)).toBe('PENDING');
      await ctx.ds.updateJob(job.id, (j) => {
        j.state = 'RUNNING';
      });
      expect(await ctx.ds.findJobState(job.id)).toBe('RUNNING');
      await ctx.ds.transaction(async (tx) => {
        await tx.updateJob(job.id, (j) => {
          j.state = 'CANCELLED';
        });
        expect(await tx.findJobState(job.id)).toBe('CANCELLED');
      });
      expect(await ctx.ds.findJobState('nope')).toBeUndefined();
    });

    it('applies an async modify under lock and returns the job as written', async () => {
      const job = makeJob();
      await ctx.ds.createJob(job);
      const written = await ctx.ds.updateJob(job.id, async (current) => {
        await Promise.resolve();
        current.state = 'RUNNING';
        current.position = 1;
        current.startedAt = at(500);
        current.context.tasks = { first: 'done' };
      });
      expect(written).toMatchObject({ state: 'RUNNING', position: 1, startedAt: at(500) });
      expect(await ctx.ds.getJob(job.id)).toEqual(written);
    });

    it('leaves a job unchanged when its modify throws', async () => {
      const job = makeJob();
      await ctx.ds.createJob(job);
      const before = await ctx.ds.getJob(job.id);
      await expect(
        ctx.ds.updateJob(job.id, (current) => {
          current.state = 'FAILED';
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await ctx.ds.getJob(job.id)).toEqual(before);
    });

    it('rejects updating an unknown job with NotFoundError', async () => {
      await expect(ctx.ds.updateJob('nope', () => {})).rejects.toThrow(new NotFoundError('job not found'));
    });

    it('lists jobs newest first as summaries without tasks, with the secrets their redaction needs', async () => {
      await createJobs(ctx.ds, 3, () => ({ secrets: { A: 'b' }, inputs: { x: 'y' } }));
      const page = await ctx.ds.listJobs({ page: 1, size: 10 });
      expect(page.items.map((j) => j.name)).toEqual(['job 2', 'job 1', 'job 0']);
      expect(page.items[0]).toMatchObject({
        tasks: [],
        inputs: { x: 'y' },
        createdBy: expect.objectContaining(GUEST),
      });
      expect(page.items[0]?.secrets).toEqual({ A: 'b' });
      expect(page).toMatchObject({ number: 1, size: 3, totalItems: 3, totalPages: 1 });
    });

    it('pages through jobs with size counting the items returned', async () => {
      await createJobs(ctx.ds, 25);
      const third = await ctx.ds.listJobs({ page: 3, size: 10 });
      expect(third).toMatchObject({ number: 3, size: 5, totalItems: 25, totalPages: 3 });
      expect(third.items.map((j) => j.name)).toEqual(['job 4', 'job 3', 'job 2', 'job 1', 'job 0']);
      const beyond = await ctx.ds.listJobs({ page: 4, size: 10 });
      expect(beyond).toEqual({ items: [], number: 4, size: 0, totalItems: 25, totalPages: 3 });
    });

    it('orders jobs created in the same millisecond by insertion, newest first', async () => {
      await createJobs(ctx.ds, 3, () => ({ createdAt: T0 }));
      const page = await ctx.ds.listJobs({ page: 1, size: 10 });
      expect(page.items.map((j) => j.name)).toEqual(['job 2', 'job 1', 'job 0']);
    });

    it('returns the execution by position, then startedAt with unstarted last, then createdAt', async () => {
      const job = makeJob();
      await ctx.ds.createJob(job);
      const tasks = [
        makeTask(job, { name: 'p2', position: 2, createdAt: at(1) }),
        makeTask(job, { name: 'p1-unstarted', position: 1, createdAt: at(2) }),
        makeTask(job, { name: 'p1-late', position: 1, startedAt: at(20), createdAt: at(3) }),
        makeTask(job, { name: 'p1-early', position: 1, startedAt: at(10), createdAt: at(4) }),
        makeTask(job, { name: 'p1-unstarted-older', position: 1, createdAt: at(0) }),
      ];
      await ctx.ds.createTasks(tasks);
      const names = (await ctx.ds.getExecution(job.id)).map((t) => t.name);
      expect(names).toEqual(['p1-early', 'p1-late', 'p1-unstarted-older', 'p1-unstarted', 'p2']);
    });

    it('lists jobs in the given states oldest first, up to the limit', async () => {
      await createJobs(ctx.ds, 5, (i) => ({ state: i % 2 === 0 ? 'RUNNING' : 'COMPLETED' }));
      const jobs = await ctx.ds.listJobsByState(['RUNNING', 'SCHEDULED'], 2);
      expect(jobs.map((j) => j.name)).toEqual(['job 0', 'job 2']);
      expect(jobs[0]?.tasks).toHaveLength(1);
    });

    it('deletes a job with its tasks and their log parts, and nothing else', async () => {
      const [gone, kept] = await createJobs(ctx.ds, 2);
      const goneTask = makeTask(gone!);
      const keptTask = makeTask(kept!);
      await ctx.ds.createTasks([goneTask, keptTask]);
      await ctx.ds.createLogParts([
        { taskId: goneTask.id!, number: 1, contents: 'gone' },
        { taskId: keptTask.id!, number: 1, contents: 'kept' },
      ]);
      await ctx.ds.deleteJob(gone!.id);
      expect(await ctx.ds.findJob(gone!.id)).toBeUndefined();
      expect(await ctx.ds.findTask(goneTask.id!)).toBeUndefined();
      expect((await ctx.ds.getTaskLogParts(goneTask.id!, { page: 1, size: 10 })).totalItems).toBe(0);
      expect((await ctx.ds.getJobLogParts(kept!.id, { page: 1, size: 10 })).totalItems).toBe(1);
      await expect(ctx.ds.deleteJob(gone!.id)).rejects.toThrow(new NotFoundError('job not found'));
    });
  });
}
