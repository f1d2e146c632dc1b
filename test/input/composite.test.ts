import { describe, expect, it } from 'vitest';
import { validateExpression } from '../../src/expr/evaluate.js';
import { validateJobObject } from '../../src/input/validate.js';
import { problems } from './helpers.js';

const child = (name: string): Record<string, unknown> => ({ name, image: 'alpine', run: 'true' });
const job = (...tasks: Record<string, unknown>[]): Record<string, unknown> => ({ name: 'j', tasks });

describe('parallel', () => {
  it('accepts child tasks, nested composites and allowFailures', () => {
    const input = validateJobObject(
      job({
        name: 'p',
        parallel: {
          allowFailures: true,
          tasks: [child('a'), { name: 'b', parallel: { tasks: [child('c')] } }],
        },
      }),
    );
    expect(input.tasks[0]?.parallel?.tasks.map((task) => task.name)).toEqual(['a', 'b']);
    expect(input.tasks[0]?.parallel?.allowFailures).toBe(true);
  });

  it('requires at least one child', () => {
    expect(problems(job({ name: 'p', parallel: {} }))).toEqual(['tasks[0].parallel.tasks: is required']);
    expect(problems(job({ name: 'p', parallel: { tasks: [] } }))).toEqual([
      'tasks[0].parallel.tasks: must have at least 1 task',
    ]);
  });

  it('validates the children recursively', () => {
    expect(
      problems(
        job({
          name: 'p',
          parallel: {
            tasks: [{ image: 'a' }, { name: 'q', parallel: { tasks: [{ name: 'r', queue: 'logs' }] } }],
          },
        }),
      ),
    ).toEqual([
      'tasks[0].parallel.tasks[0].name: is required',
      'tasks[0].parallel.tasks[1].parallel.tasks[0].queue: "logs" is reserved for the coordinator',
    ]);
  });

  it('rejects output-only fields', () => {
    expect(problems(job({ name: 'p', parallel: { tasks: [child('a')], completions: 1 } }))).toEqual([
      'tasks[0].parallel.completions: unknown field (allowed: tasks, allowFailures)',
    ]);
  });
});

describe('each', () => {
  it('accepts a list expression with or without braces', () => {
    for (const list of ['{{ sequence(1, 5) }}', "['a', 'b']", '{{ fromJSON(tasks.chunks) }}']) {
      const input = validateJobObject(
        job({
          name: 'e',
          each: { list, var: 'row', concurrency: 2, allowFailures: false, task: child('c') },
        }),
      );
      expect(input.tasks[0]?.each?.list).toBe(list);
    }
  });

  it('requires a valid list expression', () => {
    expect(problems(job({ name: 'e', each: { task: child('c') } }))).toEqual([
      'tasks[0].each.list: is required',
    ]);
    expect(problems(job({ name: 'e', each: { list: '{{ }}', task: child('c') } }))).toEqual([
      'tasks[0].each.list: "{{ }}" is not an expression',
    ]);
    expect(problems(job({ name: 'e', each: { list: '{{ [1, 2 }}', task: child('c') } }))).toEqual([
      `tasks[0].each.list: "{{ [1, 2 }}" is not a valid expression: ${validateExpression('[1, 2')}`,
    ]);
  });

  it('requires a task and validates it', () => {
    expect(problems(job({ name: 'e', each: { list: '[1]' } }))).toEqual(['tasks[0].each.task: is required']);
    expect(problems(job({ name: 'e', each: { list: '[1]', task: { image: 'x', timeout: 'x' } } }))).toEqual([
      'tasks[0].each.task.name: is required',
      'tasks[0].each.task.timeout: "x" is not a duration (e.g. 30s, 5m, 1h30m)',
    ]);
  });

  it('checks the concurrency is 0 to 99999', () => {
    expect(
      validateJobObject(job({ name: 'e', each: { list: '[1]', concurrency: 0, task: child('c') } })).tasks[0]
        ?.each?.concurrency,
    ).toBe(0);
    expect(
      problems(job({ name: 'e', each: { list: '[1]', concurrency: 100000, task: child('c') } })),
    ).toEqual(['tasks[0].each.concurrency: must be between 0 and 99999']);
    expect(problems(job({ name: 'e', each: { list: '[1]', concurrency: -1, task: child('c') } }))).toEqual([
      'tasks[0].each.concurrency: must be between 0 and 99999',
    ]);
  });
});

describe('subjob', () => {
  it('accepts a full sub-job and its ignored id', () => {
    const subjob = {
      id: 'ignored',
      name: 'sub {{ inputs.x }}',
      description: 'd',
      tasks: [child('inner')],
      inputs: { x: '{{ inputs.x }}' },
      secrets: { s: '{{ secrets.s }}' },
      autoDelete: { after: '1h' },
      output: '{{ tasks.inner }}',
      detached: true,
      webhooks: [{ url: '{{ inputs.hook }}', headers: { A: '{{ inputs.a }}' } }],
    };
    expect(validateJobObject(job({ name: 's', subjob })).tasks[0]?.subjob).toEqual(subjob);
  });

  it('requires a name and tasks', () => {
    expect(problems(job({ name: 's', subjob: {} }))).toEqual([
      'tasks[0].subjob.name: is required',
      'tasks[0].subjob.tasks: is required',
    ]);
  });

  it('rejects a sub-job with no tasks', () => {
    expect(problems(job({ name: 's', subjob: { name: 'x', tasks: [] } }))).toEqual([
      'tasks[0].subjob.tasks: must have at least 1 task',
    ]);
  });

  it('validates the sub-job tasks, which Tork did not', () => {
    expect(
      problems(job({ name: 's', subjob: { name: 'x', tasks: [{ image: 'a', retry: { limit: 99 } }] } })),
    ).toEqual([
      'tasks[0].subjob.tasks[0].name: is required',
      'tasks[0].subjob.tasks[0].retry.limit: must be between 1 and 10',
    ]);
  });

  it('validates the sub-job webhooks and settings', () => {
    expect(
      problems(
        job({
          name: 's',
          subjob: {
            name: 'x',
            tasks: [child('c')],
            webhooks: [{}],
            autoDelete: { after: 'x' },
            detached: 'yes',
          },
        }),
      ),
    ).toEqual([
      'tasks[0].subjob.autoDelete.after: "x" is not a duration (e.g. 30s, 5m, 1h30m)',
      'tasks[0].subjob.detached: must be true or false (got "yes")',
      'tasks[0].subjob.webhooks[0].url: is required',
    ]);
  });
});

describe('composite task kinds', () => {
  it('allows at most one of parallel, each and subjob', () => {
    expect(
      problems(
        job({
          name: 'x',
          parallel: { tasks: [child('a')] },
          each: { list: '[1]', task: child('b') },
          subjob: { name: 's', tasks: [child('c')] },
        }),
      ),
    ).toEqual([
      'tasks[0].each: cannot be combined with parallel (a task has at most one of parallel, each, subjob)',
      'tasks[0].subjob: cannot be combined with parallel (a task has at most one of parallel, each, subjob)',
    ]);
  });

  it('rejects worker-only keys on a composite task, one problem per key', () => {
    expect(
      problems(
        job({
          name: 'x',
          image: 'alpine',
          run: 'true',
          retry: { limit: 1 },
          parallel: { tasks: [child('a')] },
        }),
      ),
    ).toEqual([
      'tasks[0].image: not allowed on a parallel task',
      'tasks[0].run: not allowed on a parallel task',
      'tasks[0].retry: not allowed on a parallel task',
    ]);
    expect(
      problems(job({ name: 'x', env: { A: 'b' }, queue: 'q', each: { list: '[1]', task: child('a') } })),
    ).toEqual(['tasks[0].env: not allowed on an each task', 'tasks[0].queue: not allowed on an each task']);
    expect(
      problems(job({ name: 'x', timeout: '1m', mounts: [], subjob: { name: 's', tasks: [child('a')] } })),
    ).toEqual([
      'tasks[0].mounts: not allowed on a subjob task',
      'tasks[0].timeout: not allowed on a subjob task',
    ]);
  });

  it('accepts the keys that are harmless on a composite task', () => {
    const task = {
      name: 'x',
      var: 'v',
      if: 'true',
      tags: ['t'],
      priority: 1,
      workdir: '/w',
      gpus: 'all',
      networks: ['n'],
      files: { a: 'b' },
      parallel: { tasks: [child('a')] },
    };
    expect(validateJobObject(job(task)).tasks[0]).toEqual(task);
  });

  it('reports composite tasks as unsupported when they are not allowed', () => {
    const input = job(
      child('a'),
      child('b'),
      { name: 'p', parallel: { tasks: [child('c')] } },
      { name: 'e', each: { list: '[1]', task: child('d') } },
    );
    expect(problems(input, { allowComposite: false })).toEqual([
      'tasks[2].parallel: composite tasks (parallel, each, subjob) are not supported yet',
      'tasks[3].each: composite tasks (parallel, each, subjob) are not supported yet',
    ]);
    expect(validateJobObject(job(child('a')), { allowComposite: false }).tasks).toHaveLength(1);
  });

  it('reports composite and field problems together', () => {
    expect(problems(job({ name: 'x', image: 'i', cpu: 1, parallel: { tasks: [] } }))).toEqual([
      'tasks[0].parallel.tasks: must have at least 1 task',
      'tasks[0].cpu: unknown field (allowed: name, description, image, run, cmd, entrypoint, registry, env, files, queue, ...)',
      'tasks[0].image: not allowed on a parallel task',
    ]);
  });
});
