import { describe, expect, it } from 'vitest';

import type { Job } from '../../src/model/job.js';
import { createRedactor, REDACTED } from '../../src/model/redact.js';
import type { Task } from '../../src/model/task.js';

const on = createRedactor({ enabled: true });

function job(overrides: Partial<Job> = {}): Job {
  return {
    id: 'j1',
    name: 'j',
    state: 'RUNNING',
    createdAt: new Date(0),
    tasks: [],
    position: 1,
    context: {},
    taskCount: 1,
    ...overrides,
  };
}

describe('key rule', () => {
  it('masks inputs whose upper-cased key contains SECRET, PASSWORD or ACCESS_KEY', () => {
    const out = on.redactJob(
      job({ inputs: { secret_1: 'a', PASSword: 'b', AWS_ACCESS_KEY_ID: 'c', db_password: 'd', plain: 'e' } }),
    );
    expect(out.inputs).toEqual({
      secret_1: REDACTED,
      PASSword: REDACTED,
      AWS_ACCESS_KEY_ID: REDACTED,
      db_password: REDACTED,
      plain: 'e',
    });
  });

  it('uses configured wildcard patterns instead of the defaults, case-sensitively', () => {
    const custom = createRedactor({ enabled: true, patterns: ['*_TOKEN', 'exact'] });
    const out = custom.redactJob(
      job({ inputs: { GH_TOKEN: 'a', gh_token: 'b', exact: 'c', exactly: 'd', password: 'e' } }),
    );
    expect(out.inputs).toEqual({
      GH_TOKEN: REDACTED,
      gh_token: 'b',
      exact: REDACTED,
      exactly: 'd',
      password: 'e',
    });
  });
});

describe('value rule', () => {
  it('replaces every secret value inside other strings and ignores empty secrets', () => {
    const out = on.redactJob(
      job({ secrets: { a: 'hunter2', empty: '' }, inputs: { url: 'x://hunter2@host/hunter2' } }),
    );
    expect(out.inputs).toEqual({ url: `x://${REDACTED}@host/${REDACTED}` });
    expect(out.secrets).toEqual({ a: REDACTED, empty: REDACTED });
  });

  it('replaces a longer secret before a shorter one it contains', () => {
    expect(on.redactText('token=abcdef', { s: 'abc', l: 'abcdef' })).toBe(`token=${REDACTED}`);
  });

  it('covers job result, error and context maps but not context.job', () => {
    const out = on.redactJob(
      job({
        secrets: { k: 's3cr3t' },
        result: 'got s3cr3t',
        error: 'failed with s3cr3t',
        context: {
          job: { name: 's3cr3t' },
          inputs: { x: 's3cr3t' },
          secrets: { k: 's3cr3t' },
          tasks: { t: 's3cr3t!' },
        },
        webhooks: [{ url: 'u', headers: { Authorization: 'Bearer s3cr3t', 'x-password': 'p' } }],
      }),
    );
    expect(out.result).toBe(`got ${REDACTED}`);
    expect(out.error).toBe(`failed with ${REDACTED}`);
    expect(out.context).toEqual({
      job: { name: 's3cr3t' },
      inputs: { x: REDACTED },
      secrets: { k: REDACTED },
      tasks: { t: `${REDACTED}!` },
    });
    expect(out.webhooks?.[0]?.headers).toEqual({
      Authorization: `Bearer ${REDACTED}`,
      'x-password': REDACTED,
    });
  });
});

describe('tasks', () => {
  const task: Task = {
    env: { TOKEN: 'pw1', MY_SECRET: 'x' },
    run: 'echo pw1',
    files: { f: 'pw1' },
    result: 'out pw1',
    error: 'err pw1',
    registry: { username: 'u' },
    mounts: [{ type: 'bind', opts: { password: 'x', other: 'pw1' } }],
    pre: [{ env: { A: 'pw1' } }],
    post: [{ env: { B: 'pw1' } }],
    parallel: { tasks: [{ env: { C: 'pw1' } }] },
    each: { list: '[]', task: { env: { D: 'pw1' } } },
    sidecars: [{ env: { E: 'pw1' } }],
    subjob: { name: 's', tasks: [], secrets: { z: 'v' }, webhooks: [{ url: 'u', headers: { h: 'pw1' } }] },
  };

  it("applies Tork's task coverage plus result and error, leaving each.task, sidecars, files and run alone", () => {
    const out = on.redactTask(task, { p: 'pw1' });
    expect(out.env).toEqual({ TOKEN: REDACTED, MY_SECRET: REDACTED });
    expect(out.run).toBe('echo pw1');
    expect(out.files).toEqual({ f: 'pw1' });
    expect(out.result).toBe(`out ${REDACTED}`);
    expect(out.error).toBe(`err ${REDACTED}`);
    expect(out.registry).toEqual({ username: 'u', password: REDACTED });
    expect(out.mounts?.[0]?.opts).toEqual({ password: REDACTED, other: REDACTED });
    expect(out.pre?.[0]?.env).toEqual({ A: REDACTED });
    expect(out.post?.[0]?.env).toEqual({ B: REDACTED });
    expect(out.parallel?.tasks[0]?.env).toEqual({ C: REDACTED });
    expect(out.each?.task.env).toEqual({ D: 'pw1' });
    expect(out.sidecars?.[0]?.env).toEqual({ E: 'pw1' });
    expect(out.subjob?.secrets).toEqual({ z: REDACTED });
    expect(out.subjob?.webhooks?.[0]?.headers).toEqual({ h: REDACTED });
  });

  it('leaves its argument unchanged', () => {
    const before = structuredClone(task);
    on.redactTask(task, { p: 'pw1' });
    expect(task).toEqual(before);
  });

  it('redacts the task definitions inside a job with the job secrets', () => {
    const out = on.redactJob(job({ secrets: { p: 'pw1' }, tasks: [{ env: { X: 'pw1' } }] }));
    expect(out.tasks[0]?.env).toEqual({ X: REDACTED });
  });
});

describe('summaries and the off switch', () => {
  it('redacts summary inputs by key and value', () => {
    const out = on.redactSummary(job({ secrets: { p: 'pw1' }, inputs: { password: 'x', url: 'pw1' } }));
    expect(out.inputs).toEqual({ password: REDACTED, url: REDACTED });
  });

  it('returns unchanged copies when disabled', () => {
    const off = createRedactor({ enabled: false });
    const original = job({ secrets: { p: 'pw1' }, inputs: { password: 'pw1' } });
    const out = off.redactJob(original);
    expect(out).toEqual(original);
    expect(out).not.toBe(original);
    expect(off.redactText('pw1', { p: 'pw1' })).toBe('pw1');
  });
});
