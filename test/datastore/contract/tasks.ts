import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../src/errors.js';
import { newId } from '../../../src/model/ids.js';
import type { Task } from '../../../src/model/task.js';
import { at, makeJob, makeTask, type DatastoreContext } from './fixtures.js';

export function describeTasks(ctx: DatastoreContext): void {
  describe('tasks', () => {
    it('returns a stored task with every field as it was given', async () => {
      const job = makeJob();
      await ctx.ds.createJob(job);
      const task: Task = makeTask(job, {
        parentId: 'parent',
        description: 'all fields',
        state: 'RUNNING',
        scheduledAt: at(1),
        startedAt: at(2),
        completedAt: at(3),
        failedAt: at(4),
        cmd: ['a', 'b'],
        entrypoint: ['sh', '-c'],
        image: 'alpine:3',
        registry: { username: 'u', password: 'p' },
        env: { A: '1' },
        files: { 'x.txt': 'hello' },
        queue: 'default',
        redelivered: 1,
        error: 'bad',
        pre: [{ name: 'pre', run: 'true' }],
        post: [{ name: 'post', run: 'true' }],
        sidecars: [{ name: 'side', image: 'redis', probe: { path: '/', port: 80 } }],
        mounts: [{ type: 'volume', target: '/data', opts: { a: 'b' } }],
        networks: ['n1'],
        nodeId: 'node-1',
        retry: { limit: 3, attempts: 1 },
        limits: { cpus: '1', memory: '1g' },
        timeout: '10s',
        result: 'out',
        var: 'v',
        if: 'true',
        each: {
          var: 'item',
          list: '{{ [1,2] }}',
          task: { name: 'child', run: 'true' },
          size: 2,
          concurrency: 1,
        },
        subjob: { id: 'sub', name: 'sub', tasks: [{ name: 's', run: 'true' }], detached: true },
        gpus: 'all',
        tags: ['t'],
        workdir: '/w',
        priority: 5,
        progress: 12.5,
        exitCode: 2,
        killedBy: 'timeout',
      });
      await ctx.ds.createTask(task);
      const read = await ctx.ds.getTask(task.id!);
      expect(read).toEqual(task);
      expect(read.completedAt).toBeInstanceOf(Date);
    });

    it('throws NotFoundError from getTask and returns undefined from findTask for an unknown id', async () => {
      await expect(ctx.ds.getTask('nope')).rejects.toThrow(new NotFoundError('task not found'));
      expect(await ctx.ds.findTask('nope')).toBeUndefined();
    });

    it('stores many tasks in one call', async () => {
      const job = makeJob();
      await ctx.ds.createJob(job);
      const tasks = Array.from({ length: 3000 }, (_, i) =>
        makeTask(job, { name: `t${i}`, createdAt: at(i) }),
      );
      await ctx.ds.createTasks(tasks);
      const execution = await ctx.ds.getExecution(job.id);
      expect(execution).toHaveLength(3000);
      expect(execution[2999]?.name).toBe('t2999');
    });

    it('applies a modify to a task and returns it as written', async () => {
      const job = makeJob();
      await ctx.ds.createJob(job);
      const task = makeTask(job);
      await ctx.ds.createTask(task);
      const written = await ctx.ds.updateTask(task.id!, (t) => {
        t.state = 'COMPLETED';
        t.completedAt = at(99);
        t.result = 'ok\u0000';
      });
      expect(written).toMatchObject({ id: task.id, state: 'COMPLETED', completedAt: at(99) });
      const read = await ctx.ds.getTask(task.id!);
      expect(read).toMatchObject({ state: 'COMPLETED', completedAt: at(99), result: 'ok' });
      await expect(ctx.ds.updateTask('nope', () => {})).rejects.toThrow(new NotFoundError('task not found'));
    });

    it('lists the active tasks of a job by position then createdAt', async () => {
      const job = makeJob();
      await ctx.ds.createJob(job);
      await ctx.ds.createTasks([
        makeTask(job, { name: 'done', position: 1, state: 'COMPLETED' }),
        makeTask(job, { name: 'b', position: 2, state: 'RUNNING', createdAt: at(2) }),
        makeTask(job, { name: 'a', position: 2, state: 'SCHEDULED', createdAt: at(1) }),
        makeTask(job, { name: 'first', position: 1, state: 'PENDING' }),
        makeTask(job, { name: 'new', position: 3, state: 'CREATED' }),
        makeTask(job, { name: 'failed', position: 3, state: 'FAILED' }),
      ]);
      const names = (await ctx.ds.getActiveTasks(job.id)).map((t) => t.name);
      expect(names).toEqual(['first', 'a', 'b', 'new']);
    });

    it('lists the children of a task by createdAt and finds the first one still CREATED', async () => {
      const job = makeJob();
      await ctx.ds.createJob(job);
      const parentId = newId();
      await ctx.ds.createTasks([
        makeTask(job, { name: 'c3', parentId, createdAt: at(3) }),
        makeTask(job, { name: 'c1', parentId, createdAt: at(1), state: 'RUNNING' }),
        makeTask(job, { name: 'c2', parentId, createdAt: at(2) }),
        makeTask(job, { name: 'other', parentId: newId(), createdAt: at(0) }),
      ]);
      expect((await ctx.ds.getChildTasks(parentId)).map((t) => t.name)).toEqual(['c1', 'c2', 'c3']);
      expect((await ctx.ds.findNextCreatedChild(parentId))?.name).toBe('c2');
      expect(await ctx.ds.findNextCreatedChild(newId())).toBeUndefined();
    });

    it('keeps list order for children created together in the same millisecond', async () => {
      const job = makeJob();
      await ctx.ds.createJob(job);
      const parentId = newId();
      const children = Array.from({ length: 20 }, (_, i) =>
        makeTask(job, { name: `item ${i}`, parentId, createdAt: at(0) }),
      );
      await ctx.ds.createTasks(children);
      expect((await ctx.ds.getChildTasks(parentId)).map((t) => t.name)).toEqual(children.map((t) => t.name));
      expect((await ctx.ds.getExecution(job.id)).map((t) => t.name)).toEqual(children.map((t) => t.name));
      await ctx.ds.updateTask(children[0]!.id!, (t) => void (t.state = 'RUNNING'));
      expect((await ctx.ds.findNextCreatedChild(parentId))?.name).toBe('item 1');
    });

    it('lists in-flight tasks only of jobs that are scheduled or running', async () => {
      const running = makeJob({ state: 'RUNNING' });
      const cancelled = makeJob({ state: 'CANCELLED' });
      await ctx.ds.createJob(running);
      await ctx.ds.createJob(cancelled);
      await ctx.ds.createTasks([
        makeTask(running, { name: 'r-running', state: 'RUNNING', createdAt: at(2) }),
        makeTask(running, { name: 'r-scheduled', state: 'SCHEDULED', createdAt: at(1) }),
        makeTask(running, { name: 'r-done', state: 'COMPLETED' }),
        makeTask(cancelled, { name: 'c-running', state: 'RUNNING' }),
      ]);
      const names = (await ctx.ds.listTasksInFlight(['SCHEDULED', 'RUNNING'])).map((t) => t.name);
      expect(names).toEqual(['r-scheduled', 'r-running']);
    });
  });
}
