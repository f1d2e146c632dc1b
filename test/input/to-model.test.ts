import { describe, expect, it } from 'vitest';
import { referencedPrincipals, toJob, toScheduledJob } from '../../src/input/to-model.js';
import { parseJob, parseScheduledJob } from '../../src/input/validate.js';

const CREATED_AT = new Date('2024-05-01T10:00:00Z');

describe('toJob', () => {
  it('builds a pending job with its context and task definitions', () => {
    const input = parseJob(
      [
        'name: hello',
        'description: greets',
        'tags: [a]',
        'inputs: {who: world}',
        'secrets: {token: s3cret}',
        'output: "{{ tasks.greeting }}"',
        'defaults: {timeout: 1m}',
        'autoDelete: {after: 1h}',
        'webhooks: [{url: "http://h/x"}]',
        'permissions: [{user: alice}, {role: ops}]',
        'wait: {timeout: 10s}',
        'tasks:',
        '  - name: greet',
        '    var: greeting',
        '    image: ~',
        '    run: echo -n hello $WHO > $TORK_OUTPUT',
        '    env: {WHO: "{{ inputs.who }}"}',
        '  - name: fan out',
        '    parallel:',
        '      tasks: [{name: a, run: "true"}]',
      ].join('\n'),
      'text/yaml',
    );
    const job = toJob(input, { id: 'job1', createdAt: CREATED_AT, createdBy: { username: 'alice' } });
    expect(job).toEqual({
      id: 'job1',
      name: 'hello',
      description: 'greets',
      tags: ['a'],
      state: 'PENDING',
      createdAt: CREATED_AT,
      createdBy: { username: 'alice' },
      position: 0,
      taskCount: 2,
      inputs: { who: 'world' },
      secrets: { token: 's3cret' },
      context: { inputs: { who: 'world' }, secrets: { token: 's3cret' }, job: { id: 'job1', name: 'hello' } },
      output: '{{ tasks.greeting }}',
      defaults: { timeout: '1m' },
      autoDelete: { after: '1h' },
      webhooks: [{ url: 'http://h/x' }],
      permissions: [{ user: { username: 'alice' } }, { role: { slug: 'ops' } }],
      tasks: [
        {
          name: 'greet',
          var: 'greeting',
          run: 'echo -n hello $WHO > $TORK_OUTPUT',
          env: { WHO: '{{ inputs.who }}' },
        },
        { name: 'fan out', parallel: { tasks: [{ name: 'a', run: 'true' }] } },
      ],
    });
    expect(Object.keys(job.tasks[0] ?? {})).not.toContain('image');
    expect(job).not.toHaveProperty('wait');
  });

  it('shares no maps between the job, its context and the input', () => {
    const input = parseJob(
      '{"name":"j","inputs":{"a":"1"},"tasks":[{"name":"t","env":{"E":"x"}}]}',
      'application/json',
    );
    const job = toJob(input, { id: 'j1', createdAt: CREATED_AT });
    expect(job.context.inputs).toEqual(job.inputs);
    expect(job.context.inputs).not.toBe(job.inputs);
    expect(job.inputs).not.toBe(input.inputs);
    expect(job.tasks[0]?.env).not.toBe(input.tasks[0]?.env);
    expect(job.context).toEqual({ inputs: { a: '1' }, job: { id: 'j1', name: 'j' } });
    expect(job).not.toHaveProperty('createdBy');
  });

  it('drops the ignored subjob id and keeps nested definitions', () => {
    const input = parseJob(
      JSON.stringify({
        name: 'j',
        tasks: [
          {
            name: 's',
            subjob: {
              id: 'x',
              name: 'sub',
              tasks: [
                {
                  name: 'e',
                  each: { list: '[1]', task: { name: 'c', retry: { limit: 2, initialDelay: '1s' } } },
                },
              ],
            },
          },
        ],
      }),
      'application/json',
    );
    const task = toJob(input, { id: 'j', createdAt: CREATED_AT }).tasks[0];
    expect(task?.subjob).toEqual({
      name: 'sub',
      tasks: [
        { name: 'e', each: { list: '[1]', task: { name: 'c', retry: { limit: 2, initialDelay: '1s' } } } },
      ],
    });
    expect(task?.subjob).not.toHaveProperty('id');
  });
});

describe('toScheduledJob', () => {
  it('builds an active scheduled job carrying the cron', () => {
    const input = parseScheduledJob(
      'name: nightly\nschedule: {cron: "@daily"}\ninputs: {a: 1}\ntasks: [{name: t, run: "true"}]\n',
      'text/yaml',
    );
    expect(toScheduledJob(input, { id: 's1', createdAt: CREATED_AT })).toEqual({
      id: 's1',
      name: 'nightly',
      cron: '@daily',
      state: 'ACTIVE',
      inputs: { a: '1' },
      tasks: [{ name: 't', run: 'true' }],
      createdAt: CREATED_AT,
    });
  });
});

describe('referencedPrincipals', () => {
  it('lists each username and role once', () => {
    const input = parseJob(
      'name: j\ntasks: [{name: t}]\npermissions: [{user: a}, {role: r}, {user: a}, {user: b}]\n',
      'text/yaml',
    );
    expect(referencedPrincipals(input)).toEqual({ usernames: ['a', 'b'], roles: ['r'] });
    expect(referencedPrincipals(parseJob('name: j\ntasks: [{name: t}]\n', 'text/yaml'))).toEqual({
      usernames: [],
      roles: [],
    });
  });
});
