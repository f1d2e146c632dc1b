import { describe, expect, it } from 'vitest';
import { validateTemplate } from '../../src/expr/template.js';
import { validateJobObject } from '../../src/input/validate.js';
import { jobWith, problems } from './helpers.js';

describe('task name, queue, timeout, var, workdir, priority', () => {
  it('requires a task name', () => {
    expect(problems({ name: 'j', tasks: [{ image: 'alpine' }] })).toEqual(['tasks[0].name: is required']);
    expect(problems({ name: 'j', tasks: [{ name: '' }] })).toEqual(['tasks[0].name: is required']);
  });

  it('checks the task name is a template', () => {
    expect(validateJobObject(jobWith({ name: 'scale to {{ item.value }}' })).tasks[0]?.name).toBe(
      'scale to {{ item.value }}',
    );
    expect(problems(jobWith({ name: 'bad {{ ) }}' }))).toEqual([
      `tasks[0].name: "bad {{ ) }}" is not a valid template: ${validateTemplate('bad {{ ) }}')}`,
    ]);
  });

  it('rejects reserved queues and accepts others', () => {
    expect(validateJobObject(jobWith({ queue: 'gpu' })).tasks[0]?.queue).toBe('gpu');
    expect(problems(jobWith({ queue: 'jobs' }))).toEqual([
      'tasks[0].queue: "jobs" is reserved for the coordinator',
    ]);
    expect(problems(jobWith({ queue: 'heartbeat' }))).toEqual([
      'tasks[0].queue: "heartbeat" is reserved for the coordinator',
    ]);
    expect(problems(jobWith({ queue: 'x-123' }))).toEqual([
      'tasks[0].queue: "x-123" is reserved: queues starting with x- are private to one worker',
    ]);
  });

  it('checks the timeout is a Go duration', () => {
    for (const ok of ['5s', '1m30s', '1.5h', '300ms', '2h45m', '0', '10us', '']) {
      expect(validateJobObject(jobWith({ timeout: ok })).tasks[0]?.timeout).toBe(ok);
    }
    expect(problems(jobWith({ timeout: '5x' }))).toEqual([
      'tasks[0].timeout: "5x" is not a duration (e.g. 30s, 5m, 1h30m)',
    ]);
    expect(problems(jobWith({ timeout: '1d' }))).toEqual([
      'tasks[0].timeout: "1d" is not a duration (e.g. 30s, 5m, 1h30m)',
    ]);
  });

  it('limits var to 64 characters', () => {
    expect(validateJobObject(jobWith({ var: 'v'.repeat(64) })).tasks[0]?.var).toHaveLength(64);
    expect(problems(jobWith({ var: 'v'.repeat(65) }))).toEqual([
      'tasks[0].var: must be at most 64 characters (got 65)',
    ]);
  });

  it('limits workdir to 256 characters', () => {
    expect(problems(jobWith({ workdir: `/${'w'.repeat(256)}` }))).toEqual([
      'tasks[0].workdir: must be at most 256 characters (got 257)',
    ]);
  });

  it('checks the priority is an integer from 0 to 9', () => {
    expect(validateJobObject(jobWith({ priority: 0 })).tasks[0]?.priority).toBe(0);
    expect(problems(jobWith({ priority: 10 }))).toEqual(['tasks[0].priority: must be between 0 and 9']);
    expect(problems(jobWith({ priority: 2.5 }))).toEqual(['tasks[0].priority: must be an integer (got 2.5)']);
  });
});

describe('if', () => {
  it('accepts literal text and templates', () => {
    for (const text of ['false', 'true', 'skip me', "{{ inputs.run == 'yes' }}"]) {
      expect(validateJobObject(jobWith({ if: text })).tasks[0]?.if).toBe(text);
    }
  });

  it('rejects a template block that does not parse', () => {
    expect(problems(jobWith({ if: '{{ 1 + }}' }))).toEqual([
      `tasks[0].if: "{{ 1 + }}" is not a valid template: ${validateTemplate('{{ 1 + }}')}`,
    ]);
  });
});

describe('env, cmd and image templates', () => {
  it('checks every env value and cmd item', () => {
    expect(
      problems(jobWith({ env: { OK: '{{ inputs.a }}', BAD: '{{ ( }}' }, cmd: ['echo', '{{ ] }}'] })),
    ).toEqual([
      `tasks[0].cmd[1]: "{{ ] }}" is not a valid template: ${validateTemplate('{{ ] }}')}`,
      `tasks[0].env.BAD: "{{ ( }}" is not a valid template: ${validateTemplate('{{ ( }}')}`,
    ]);
  });

  it('does not evaluate run, entrypoint or files', () => {
    const task = { run: 'echo {{ not checked', entrypoint: ['{{'], files: { 'a.txt': '{{ (' } };
    expect(validateJobObject(jobWith(task)).tasks[0]).toMatchObject(task);
  });
});

describe('retry', () => {
  it('accepts a limit with backoff settings', () => {
    const retry = { limit: 3, initialDelay: '2s', scalingFactor: 1.5 };
    expect(validateJobObject(jobWith({ retry })).tasks[0]?.retry).toEqual(retry);
  });

  it('requires a limit from 1 to 10', () => {
    expect(problems(jobWith({ retry: {} }))).toEqual(['tasks[0].retry.limit: is required']);
    expect(problems(jobWith({ retry: { limit: 0 } }))).toEqual([
      'tasks[0].retry.limit: must be between 1 and 10',
    ]);
    expect(problems(jobWith({ retry: { limit: 11 } }))).toEqual([
      'tasks[0].retry.limit: must be between 1 and 10',
    ]);
  });

  it('checks the backoff settings', () => {
    expect(problems(jobWith({ retry: { limit: 1, initialDelay: 'later', scalingFactor: 0.5 } }))).toEqual([
      'tasks[0].retry.initialDelay: "later" is not a duration (e.g. 30s, 5m, 1h30m)',
      'tasks[0].retry.scalingFactor: must be at least 1',
    ]);
    expect(problems(jobWith({ retry: { limit: 1, attempts: 2 } }))).toEqual([
      'tasks[0].retry.attempts: unknown field (allowed: limit, initialDelay, scalingFactor)',
    ]);
  });
});

describe('pre, post and sidecars', () => {
  it('requires their names', () => {
    expect(
      problems(jobWith({ pre: [{ run: 'a' }], post: [{ run: 'b' }], sidecars: [{ image: 'c' }] })),
    ).toEqual([
      'tasks[0].pre[0].name: is required',
      'tasks[0].post[0].name: is required',
      'tasks[0].sidecars[0].name: is required',
    ]);
  });

  it('checks pre/post timeouts, which Tork ignored', () => {
    expect(problems(jobWith({ pre: [{ name: 'p', timeout: 'forever' }] }))).toEqual([
      'tasks[0].pre[0].timeout: "forever" is not a duration (e.g. 30s, 5m, 1h30m)',
    ]);
  });

  it('rejects task-only keys on pre and post', () => {
    expect(problems(jobWith({ post: [{ name: 'p', var: 'x' }] }))).toEqual([
      'tasks[0].post[0].var: unknown field (allowed: name, description, image, run, cmd, entrypoint, registry, env, files, timeout)',
    ]);
  });

  it('checks sidecar probes', () => {
    expect(
      validateJobObject(
        jobWith({ sidecars: [{ name: 's', probe: { path: '/ready', port: 80, timeout: '5s' } }] }),
      ).tasks[0]?.sidecars,
    ).toHaveLength(1);
    expect(problems(jobWith({ sidecars: [{ name: 's', probe: {} }] }))).toEqual([
      'tasks[0].sidecars[0].probe.path: is required',
      'tasks[0].sidecars[0].probe.port: is required',
    ]);
    expect(
      problems(
        jobWith({
          sidecars: [{ name: 's', probe: { path: `/${'p'.repeat(256)}`, port: 70000, timeout: '1x' } }],
        }),
      ),
    ).toEqual([
      'tasks[0].sidecars[0].probe.path: must be at most 256 characters (got 257)',
      'tasks[0].sidecars[0].probe.port: must be between 1 and 65535',
      'tasks[0].sidecars[0].probe.timeout: "1x" is not a duration (e.g. 30s, 5m, 1h30m)',
    ]);
  });

  it('accepts a probe only on sidecars', () => {
    expect(problems(jobWith({ probe: { path: '/', port: 1 } }))).toEqual([
      'tasks[0].probe: unknown field (allowed: name, description, image, run, cmd, entrypoint, registry, env, files, queue, ...)',
    ]);
  });
});

describe('mounts', () => {
  it('accepts volume, bind and tmpfs mounts', () => {
    const mounts = [
      { type: 'volume', target: '/data' },
      { type: 'bind', source: '/srv/a b', target: '/b' },
      { type: 'tmpfs', target: '/t', opts: { size: '1m' } },
    ];
    expect(validateJobObject(jobWith({ mounts })).tasks[0]?.mounts).toEqual(mounts);
  });

  it('requires a type', () => {
    expect(problems(jobWith({ mounts: [{ target: '/x' }] }))).toEqual([
      'tasks[0].mounts[0].type: is required',
    ]);
  });

  it('applies the volume and bind rules', () => {
    expect(
      problems(
        jobWith({
          mounts: [
            { type: 'volume', source: '/a' },
            { type: 'bind', target: '/b' },
          ],
        }),
      ),
    ).toEqual([
      'tasks[0].mounts[0].source: must be empty for a volume mount',
      'tasks[0].mounts[0].target: is required for a volume mount',
      'tasks[0].mounts[1].source: is required for a bind mount',
    ]);
  });

  it('rejects odd characters and the /tork target', () => {
    expect(
      problems(
        jobWith({
          mounts: [
            { type: 'bind', source: '/a;rm', target: '/b$' },
            { type: 'volume', target: '/tork' },
          ],
        }),
      ),
    ).toEqual([
      'tasks[0].mounts[0].source: "/a;rm" may only contain letters, digits, spaces and - / . _ =',
      'tasks[0].mounts[0].target: "/b$" may only contain letters, digits, spaces and - / . _ =',
      'tasks[0].mounts[1].target: "/tork" is reserved for the task\'s own files',
    ]);
  });
});

describe('files', () => {
  it('accepts plain and nested names', () => {
    const files = { 'script.py': 'print(1)', 'conf/app.ini': 'x=1', './local.txt': 'y' };
    expect(validateJobObject(jobWith({ files })).tasks[0]?.files).toEqual(files);
  });

  it('rejects names that escape the working directory', () => {
    expect(
      problems(
        jobWith({ files: { '../etc/passwd': 'x', 'a/../../b': 'y', '/abs': 'z', '': 'e', 'dir/': 'd' } }),
      ),
    ).toEqual([
      'tasks[0].files["../etc/passwd"]: must stay inside the working directory (no ".." segments)',
      'tasks[0].files["a/../../b"]: must stay inside the working directory (no ".." segments)',
      'tasks[0].files["/abs"]: must be a relative path inside the working directory, not an absolute path',
      'tasks[0].files[""]: must not be empty',
      'tasks[0].files["dir/"]: must name a file, not a directory',
    ]);
  });

  it('checks file names of pre, post and sidecars too', () => {
    expect(
      problems(
        jobWith({
          pre: [{ name: 'p', files: { '..': 'x' } }],
          sidecars: [{ name: 's', files: { 'C:\\x': 'y' } }],
        }),
      ),
    ).toEqual([
      'tasks[0].pre[0].files[".."]: must stay inside the working directory (no ".." segments)',
      'tasks[0].sidecars[0].files["C:\\\\x"]: must be a relative path inside the working directory, not an absolute path',
    ]);
  });
});

describe('unknown keys', () => {
  it('reports them at every depth with the allowed keys', () => {
    const job = {
      name: 'j',
      tasks: [
        {
          name: 't',
          limits: { cpu: '1' },
          registry: { user: 'u' },
          mounts: [{ type: 'volume', target: '/d', readonly: true }],
        },
        { name: 'e', each: { list: '[1]', task: { name: 'c', colour: 'red' } } },
      ],
    };
    expect(problems(job)).toEqual([
      'tasks[0].registry.user: unknown field (allowed: username, password)',
      'tasks[0].mounts[0].readonly: unknown field (allowed: type, source, target, opts)',
      'tasks[0].limits.cpu: unknown field, did you mean cpus? (allowed: cpus, memory)',
      'tasks[1].each.task.colour: unknown field (allowed: name, description, image, run, cmd, entrypoint, registry, env, files, queue, ...)',
    ]);
  });

  it('rejects output-only task fields', () => {
    expect(problems(jobWith({ id: '1', state: 'COMPLETED', result: 'x' }))).toEqual([
      'tasks[0].id: unknown field (allowed: name, description, image, run, cmd, entrypoint, registry, env, files, queue, ...)',
      'tasks[0].state: unknown field (allowed: name, description, image, run, cmd, entrypoint, registry, env, files, queue, ...)',
      'tasks[0].result: unknown field (allowed: name, description, image, run, cmd, entrypoint, registry, env, files, queue, ...)',
    ]);
  });
});
