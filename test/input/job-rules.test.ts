import { describe, expect, it } from 'vitest';
import { validateTemplate } from '../../src/expr/template.js';
import { validateExpression } from '../../src/expr/evaluate.js';
import { parseJob, validateJobObject } from '../../src/input/validate.js';
import { jobWith, problems, problemsOf } from './helpers.js';

const ROOT_ALLOWED =
  'name, description, tags, tasks, inputs, secrets, output, defaults, webhooks, permissions, ...';

describe('job name and tasks', () => {
  it('requires a name', () => {
    expect(problems({ tasks: [{ name: 't' }] })).toEqual(['name: is required']);
    expect(problems({ name: '', tasks: [{ name: 't' }] })).toEqual(['name: is required']);
  });

  it('limits the name to 256 characters', () => {
    expect(validateJobObject({ name: 'n'.repeat(256), tasks: [{ name: 't' }] }).name).toHaveLength(256);
    expect(problems({ name: 'n'.repeat(257), tasks: [{ name: 't' }] })).toEqual([
      'name: must be at most 256 characters (got 257)',
    ]);
  });

  it('requires at least one task', () => {
    expect(problems({ name: 'j' })).toEqual(['tasks: is required']);
    expect(problems({ name: 'j', tasks: [] })).toEqual(['tasks: must have at least 1 task']);
    expect(problems({ name: 'j', tasks: {} })).toEqual(['tasks: must be a list (got a map)']);
  });

  it('rejects fields a job does not have', () => {
    expect(problems(jobWith({}, { id: 'abc', state: 'RUNNING' }))).toEqual([
      `id: unknown field (allowed: ${ROOT_ALLOWED})`,
      `state: unknown field (allowed: ${ROOT_ALLOWED})`,
    ]);
  });
});

describe('output', () => {
  it('accepts templates and literal text', () => {
    expect(validateJobObject(jobWith({}, { output: '{{ tasks.hello }}' })).output).toBe('{{ tasks.hello }}');
    expect(validateJobObject(jobWith({}, { output: 'all done' })).output).toBe('all done');
  });

  it('rejects a template block that is not an expression', () => {
    expect(problems(jobWith({}, { output: 'result: {{ 1 + }}' }))).toEqual([
      `output: "result: {{ 1 + }}" is not a valid template: ${validateTemplate('result: {{ 1 + }}')}`,
    ]);
  });
});

describe('defaults', () => {
  it('accepts every default', () => {
    const defaults = {
      retry: { limit: 2 },
      limits: { cpus: '1', memory: '1g' },
      timeout: '1h30m',
      queue: 'gpu',
      priority: 9,
    };
    expect(validateJobObject(jobWith({}, { defaults })).defaults).toEqual(defaults);
  });

  it('checks the timeout is a duration', () => {
    expect(problems(jobWith({}, { defaults: { timeout: '1d' } }))).toEqual([
      'defaults.timeout: "1d" is not a duration (e.g. 30s, 5m, 1h30m)',
    ]);
  });

  it('checks the queue is not reserved', () => {
    expect(problems(jobWith({}, { defaults: { queue: 'jobs' } }))).toEqual([
      'defaults.queue: "jobs" is reserved for the coordinator',
    ]);
    expect(problems(jobWith({}, { defaults: { queue: 'x-abc' } }))).toEqual([
      'defaults.queue: "x-abc" is reserved: queues starting with x- are private to one worker',
    ]);
  });

  it('checks the priority is 0 to 9', () => {
    expect(problems(jobWith({}, { defaults: { priority: 10 } }))).toEqual([
      'defaults.priority: must be between 0 and 9',
    ]);
    expect(problems(jobWith({}, { defaults: { priority: -1 } }))).toEqual([
      'defaults.priority: must be between 0 and 9',
    ]);
  });

  it('checks the retry limit is given and 1 to 10', () => {
    expect(problems(jobWith({}, { defaults: { retry: {} } }))).toEqual(['defaults.retry.limit: is required']);
    expect(problems(jobWith({}, { defaults: { retry: { limit: 0 } } }))).toEqual([
      'defaults.retry.limit: must be between 1 and 10',
    ]);
    expect(problems(jobWith({}, { defaults: { retry: { limit: 11 } } }))).toEqual([
      'defaults.retry.limit: must be between 1 and 10',
    ]);
  });

  it('rejects unknown limits keys such as cpu', () => {
    expect(problems(jobWith({}, { defaults: { limits: { cpu: '1' } } }))).toEqual([
      'defaults.limits.cpu: unknown field, did you mean cpus? (allowed: cpus, memory)',
    ]);
  });
});

describe('webhooks', () => {
  it('accepts a complete webhook', () => {
    const webhook = {
      url: 'http://localhost:8080/hook',
      event: 'task.StateChange',
      headers: { 'X-Job': '{{ job.id }}' },
      if: "task.State == 'FAILED'",
    };
    expect(validateJobObject(jobWith({}, { webhooks: [webhook] })).webhooks).toEqual([webhook]);
  });

  it('requires a url, and an http one', () => {
    expect(problems(jobWith({}, { webhooks: [{}] }))).toEqual(['webhooks[0].url: is required']);
    expect(problems(jobWith({}, { webhooks: [{ url: 'not a url' }] }))).toEqual([
      'webhooks[0].url: "not a url" is not a URL (e.g. https://example.com/hook)',
    ]);
    expect(problems(jobWith({}, { webhooks: [{ url: 'ftp://example.com/x' }] }))).toEqual([
      'webhooks[0].url: "ftp://example.com/x" must be an http or https URL',
    ]);
  });

  it('checks the if expression', () => {
    expect(
      validateJobObject(
        jobWith({}, { webhooks: [{ url: 'http://h/x', if: "{{ job.State == 'COMPLETED' }}" }] }),
      ).webhooks,
    ).toHaveLength(1);
    expect(problems(jobWith({}, { webhooks: [{ url: 'http://h/x', if: 'job.State ==' }] }))).toEqual([
      `webhooks[0].if: "job.State ==" is not a valid expression: ${validateExpression('job.State ==')}`,
    ]);
  });

  it('checks header values are templates', () => {
    expect(
      problems(
        jobWith(
          {},
          { webhooks: [{ url: 'http://h/x', headers: { Authorization: 'Bearer {{ secrets. }}' } }] },
        ),
      ),
    ).toEqual([
      `webhooks[0].headers.Authorization: "Bearer {{ secrets. }}" is not a valid template: ${validateTemplate('Bearer {{ secrets. }}')}`,
    ]);
  });

  it('rejects an event that never fires', () => {
    expect(problems(jobWith({}, { webhooks: [{ url: 'http://h/x', event: 'job.statechange' }] }))).toEqual([
      'webhooks[0].event: "job.statechange" is not an event (allowed: job.StateChange, job.Progress, task.StateChange, task.Progress)',
    ]);
  });
});

describe('permissions', () => {
  it('accepts a user or a role', () => {
    expect(
      validateJobObject(jobWith({}, { permissions: [{ user: 'alice' }, { role: 'ops' }] })).permissions,
    ).toEqual([{ user: 'alice' }, { role: 'ops' }]);
  });

  it('requires exactly one of user and role', () => {
    expect(
      problems(jobWith({}, { permissions: [{ user: 'alice', role: 'ops' }, {}, { user: '' }] })),
    ).toEqual([
      'permissions[0]: must have exactly one of user or role',
      'permissions[1]: must have exactly one of user or role',
      'permissions[2]: must have exactly one of user or role',
    ]);
  });
});

describe('autoDelete and wait', () => {
  it('checks autoDelete.after is a duration', () => {
    expect(validateJobObject(jobWith({}, { autoDelete: { after: '24h' } })).autoDelete).toEqual({
      after: '24h',
    });
    expect(problems(jobWith({}, { autoDelete: { after: 'soon' } }))).toEqual([
      'autoDelete.after: "soon" is not a duration (e.g. 30s, 5m, 1h30m)',
    ]);
  });

  it('requires wait.timeout to be a duration', () => {
    expect(validateJobObject(jobWith({}, { wait: { timeout: '30s' } })).wait).toEqual({ timeout: '30s' });
    expect(problems(jobWith({}, { wait: {} }))).toEqual(['wait.timeout: is required']);
    expect(problems(jobWith({}, { wait: { timeout: '' } }))).toEqual(['wait.timeout: is required']);
    expect(problems(jobWith({}, { wait: { timeout: '10' } }))).toEqual([
      'wait.timeout: "10" is not a duration (e.g. 30s, 5m, 1h30m)',
    ]);
    expect(problems(jobWith({}, { wait: { timeout: '-5s' } }))).toEqual([
      'wait.timeout: "-5s" must not be negative',
    ]);
  });
});

describe('several problems at once', () => {
  it('reports every problem, one per line, in field order', () => {
    const yaml = [
      'name: ""',
      'tasks:',
      '  - image: alpine',
      '    cpu: 1',
      '    retry:',
      '      limit: 20',
      '  - name: second',
      '    timeout: 5x',
      '    queue: jobs',
      'defaults:',
      '  priority: 12',
      'autoDelete:',
      '  after: 1d',
    ].join('\n');
    expect(problemsOf(() => parseJob(yaml, 'text/yaml'))).toEqual([
      'name: is required',
      'tasks[0].name: is required',
      'tasks[0].retry.limit: must be between 1 and 10',
      'tasks[0].cpu: unknown field (allowed: name, description, image, run, cmd, entrypoint, registry, env, files, queue, ...)',
      'tasks[1].queue: "jobs" is reserved for the coordinator',
      'tasks[1].timeout: "5x" is not a duration (e.g. 30s, 5m, 1h30m)',
      'defaults.priority: must be between 0 and 9',
      'autoDelete.after: "1d" is not a duration (e.g. 30s, 5m, 1h30m)',
    ]);
  });
});
