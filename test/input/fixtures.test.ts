import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseJob, parseScheduledJob } from '../../src/input/validate.js';
import { problemsOf } from './helpers.js';

const DIR = fileURLToPath(new URL('../fixtures/jobs/', import.meta.url));
const read = (file: string): string => readFileSync(`${DIR}${file}`, 'utf8');
const VALID_JOBS = readdirSync(DIR).filter(
  (file) => file.endsWith('.yaml') && !['job_defaults.yaml', 'scheduled.yaml'].includes(file),
);

describe('fixture jobs', () => {
  it.each(VALID_JOBS)('accepts %s', (file) => {
    expect(parseJob(read(file), 'text/yaml').tasks.length).toBeGreaterThan(0);
  });

  it('rejects job_defaults.yaml for its cpu key, as Tork does', () => {
    expect(problemsOf(() => parseJob(read('job_defaults.yaml'), 'text/yaml'))).toEqual([
      'defaults.limits.cpu: unknown field, did you mean cpus? (allowed: cpus, memory)',
    ]);
  });

  it('accepts the scheduled job', () => {
    expect(parseScheduledJob(read('scheduled.yaml'), 'text/yaml').schedule.cron).toBe('0 2 * * *');
  });

  it('reads every field of everything.yaml', () => {
    const job = parseJob(read('everything.yaml'), 'text/yaml');
    const task = job.tasks[0];
    expect(job.inputs).toEqual({ COUNT: '5', RATIO: '.5' });
    expect(job.defaults?.limits).toEqual({ cpus: '1', memory: '512m' });
    expect(task?.env).toEqual({ DEBUG: 'true', COUNT: '{{ inputs.COUNT }}' });
    expect(task?.files).toEqual({ 'script.sh': 'echo hello\n', 'conf/app.ini': 'x=1' });
    expect(task?.retry).toEqual({ limit: 3, initialDelay: '2s', scalingFactor: 2 });
    expect(task?.sidecars?.[0]?.probe).toEqual({ path: '/health', port: 8080, timeout: '30s' });
    expect(task?.mounts).toHaveLength(3);
  });
});
