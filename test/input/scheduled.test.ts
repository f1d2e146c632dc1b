import { describe, expect, it } from 'vitest';
import { checkCron, parseCron } from '../../src/input/cron.js';
import { parseScheduledJob, validateScheduledJobObject } from '../../src/input/validate.js';
import { problemsOf } from './helpers.js';

const TASKS = [{ name: 't', image: 'alpine', run: 'true' }];
const scheduled = (schedule: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 's',
  schedule,
  tasks: TASKS,
  ...extra,
});
const problems = (value: unknown): string[] => problemsOf(() => validateScheduledJobObject(value));

describe('scheduled-job definitions', () => {
  it('parses a YAML scheduled job', () => {
    const input = parseScheduledJob(
      'name: nightly\nschedule:\n  cron: "0 2 * * *"\ntasks:\n  - name: t\n    run: echo\n',
      'text/yaml',
    );
    expect(input.schedule).toEqual({ cron: '0 2 * * *' });
    expect(input.tasks).toHaveLength(1);
  });

  it('requires a schedule with a cron', () => {
    expect(problems({ name: 's', tasks: TASKS })).toEqual(['schedule: is required']);
    expect(problems(scheduled({}))).toEqual(['schedule.cron: is required']);
    expect(problems(scheduled({ cron: '' }))).toEqual(['schedule.cron: is required']);
    expect(problems(scheduled({ cron: '* * * * *', every: '1m' }))).toEqual([
      'schedule.every: unknown field (allowed: cron)',
    ]);
  });

  it('rejects wait, which only POST /jobs has', () => {
    expect(problems(scheduled({ cron: '@daily' }, { wait: { timeout: '1m' } }))[0]).toMatch(
      /^wait: unknown field \(allowed: name, /,
    );
  });

  it('validates the rest like a job', () => {
    expect(problems(scheduled({ cron: '@daily' }, { tasks: [{ name: 't', priority: 12 }] }))).toEqual([
      'tasks[0].priority: must be between 0 and 9',
    ]);
  });
});

describe('cron expressions', () => {
  it('accepts five fields, descriptors, @every and a zone prefix', () => {
    const ok = [
      '0 2 * * *',
      '*/15 9-17 * * MON-FRI',
      '0 0 1,15 JAN,JUL *',
      '  5 4 * * 0  ',
      '@yearly',
      '@annually',
      '@monthly',
      '@weekly',
      '@daily',
      '@midnight',
      '@hourly',
      '@every 1h30m',
      'CRON_TZ=Europe/Paris 0 2 * * *',
      'TZ=America/New_York @daily',
    ];
    for (const cron of ok) expect(checkCron(cron), cron).toBeUndefined();
  });

  it('normalises what the scheduler needs', () => {
    expect(parseCron('@weekly')).toEqual({ kind: 'pattern', pattern: '0 0 * * 0' });
    expect(parseCron('CRON_TZ=UTC  0 2 * * *')).toEqual({
      kind: 'pattern',
      pattern: '0 2 * * *',
      timezone: 'UTC',
    });
    expect(parseCron('@every 90s')).toEqual({ kind: 'every', everyMs: 90_000 });
  });

  it('rejects what the scheduler cannot run, saying why', () => {
    const how =
      'use 5 fields (minute hour day-of-month month day-of-week, e.g. "0 2 * * *") or @hourly, @daily, @weekly, @monthly, @yearly, @every <duration>';
    expect(problems(scheduled({ cron: 'bad' }))).toEqual([`schedule.cron: "bad" has 1 field (${how})`]);
    expect(problems(scheduled({ cron: '0 0 2 * * *' }))).toEqual([
      `schedule.cron: "0 0 2 * * *" has 6 fields (${how})`,
    ]);
    expect(problems(scheduled({ cron: '0 2 * * * 2030 x' }))).toEqual([
      `schedule.cron: "0 2 * * * 2030 x" has 7 fields (${how})`,
    ]);
    expect(problems(scheduled({ cron: '@reboot' }))).toEqual([
      `schedule.cron: "@reboot" is not a supported cron descriptor (${how})`,
    ]);
    expect(problems(scheduled({ cron: '60 * * * *' }))).toEqual([
      'schedule.cron: "60 * * * *" is not a valid cron expression: invalid value for minute: 60',
    ]);
    expect(problems(scheduled({ cron: '0 0 30 2 *' }))).toEqual([
      'schedule.cron: "0 0 30 2 *" never fires (no date matches it)',
    ]);
    expect(problems(scheduled({ cron: 'TZ=Mars/Olympus 0 0 * * *' }))).toEqual([
      'schedule.cron: unknown time zone "Mars/Olympus" (use an IANA name such as Europe/Paris)',
    ]);
    expect(problems(scheduled({ cron: '@every 1d' }))).toEqual([
      'schedule.cron: "@every 1d" is not a valid @every schedule (e.g. @every 1h30m)',
    ]);
    expect(problems(scheduled({ cron: '@every 10ms' }))).toEqual([
      'schedule.cron: "@every 10ms": the interval must be at least 1s',
    ]);
  });
});
