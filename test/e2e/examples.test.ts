import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../helpers/http.js';
import { startStandalone, type StandaloneProcess } from '../helpers/standalone.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

/** What each example must end as. Every file in examples/ needs an entry. */
const EXPECTED: Record<string, { state: string; result?: string; check?: (job: any, api: ReturnType<typeof client>) => Promise<void> }> = {
  'hello.yaml': { state: 'COMPLETED', result: 'hello world' },
  'job_output.yaml': { state: 'COMPLETED', result: 'hello 42' },
  'sequence.yaml': { state: 'COMPLETED', result: 'one two' },
  'inputs_secrets.yaml': {
    state: 'COMPLETED',
    result: 'hello, token has 12 characters',
    check: async (job, api) => {
      expect(job.secrets).toEqual({ token: '[REDACTED]' });
      const log = await api.get(`/jobs/${job.id}/log`);
      const text = log.body.items.map((p: any) => p.contents).join('');
      expect(text).toContain('the token is [REDACTED]');
      expect(text).not.toContain('s3cr3t-value');
    },
  },
  'files_workdir.yaml': { state: 'COMPLETED', result: '6' },
  'conditional.yaml': {
    state: 'COMPLETED',
    result: 'skipped deploy',
    check: async (job) => {
      expect(job.execution.map((t: any) => t.state)).toEqual(['SKIPPED', 'COMPLETED']);
    },
  },
  'retry.yaml': {
    state: 'COMPLETED',
    result: 'succeeded on attempt 3',
    check: async (job) => {
      expect(job.execution.map((t: any) => t.state)).toEqual(['FAILED', 'FAILED', 'COMPLETED']);
    },
  },
  'timeout.yaml': {
    state: 'FAILED',
    check: async (job) => {
      expect(job.execution[0].error).toBe('task timed out after 1s');
      expect(job.error).toBe('task timed out after 1s');
    },
  },
  'prepost.yaml': {
    state: 'COMPLETED',
    result: 'main done',
    check: async (job, api) => {
      const log = await api.get(`/tasks/${job.execution[0].id}/log`);
      const text = log.body.items.map((p: any) => p.contents).reverse().join('');
      expect(text.indexOf('preparing')).toBeLessThan(text.indexOf('cleaning up'));
    },
  },
  'defaults.yaml': {
    state: 'COMPLETED',
    result: 'fine',
    check: async (job) => {
      expect(job.execution[0]).toMatchObject({ timeout: '30s', priority: 5, retry: { limit: 1 }, queue: 'default' });
    },
  },
  'progress.yaml': { state: 'COMPLETED' },
  'failure.yaml': {
    state: 'FAILED',
    check: async (job) => {
      expect(job.execution).toHaveLength(1);
      expect(job.execution[0].error).toMatch(/^exit code 3: about to fail/);
      expect(job.error).toBe(job.execution[0].error);
    },
  },
  'parallel.yaml': {
    state: 'COMPLETED',
    result: 'colours: red green blue, done',
    check: async (job) => {
      expect(job.execution).toHaveLength(6);
      const paint = job.execution.find((t: any) => t.name === 'paint');
      expect(job.execution.filter((t: any) => t.parentId === paint.id)).toHaveLength(3);
    },
  },
  'each.yaml': {
    state: 'COMPLETED',
    result: '1 4 9 / ABCD',
    check: async (job) => {
      expect(job.execution).toHaveLength(7);
    },
  },
  'each_concurrency.yaml': {
    state: 'COMPLETED',
    result: 'a.txt=3,b.txt=1,c.txt=2',
    check: async (job) => {
      const children = job.execution.filter((t: any) => t.parentId);
      expect(children).toHaveLength(3);
      // At most two at once: the third starts only after one of the first two has ended.
      const [first, second, third] = [...children].sort((a: any, b: any) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
      const firstEnd = Math.min(Date.parse(first.completedAt), Date.parse(second.completedAt));
      expect(Date.parse(third.startedAt)).toBeGreaterThanOrEqual(firstEnd);
      expect(job.execution.find((t: any) => t.name === 'nothing to do').state).toBe('COMPLETED');
    },
  },
  'subjob.yaml': {
    state: 'COMPLETED',
    result: 'hello world | L R',
    check: async (job, api) => {
      expect(job.execution.map((t: any) => t.name)).toEqual(['greet', 'two at once', 'left', 'right']);
      const sub = (await api.get(`/jobs/${job.execution[0].subjob.id}`)).body;
      expect(sub).toMatchObject({ name: 'greeter', state: 'COMPLETED', parentId: job.execution[0].id, result: 'hello world' });
    },
  },
  'subjob_detached.yaml': {
    state: 'COMPLETED',
    result: 'launched in the background',
    check: async (job, api) => {
      const sub = await api.waitForJob(job.execution[0].subjob.id);
      expect(sub.parentId).toBeUndefined();
      expect(sub.result).toBe('report with a 13-character token');
    },
  },
  'nested.yaml': { state: 'COMPLETED', result: 'cubes 1,8,27 and a side task' },
  'allow_failures.yaml': {
    state: 'FAILED',
    check: async (job) => {
      expect(job.error).toBe('1 of 3 tasks failed: "mirror us" (exit code 7: mirror us unreachable)');
      expect(job.context.tasks).toEqual({ mirror_eu: 'ok', mirror_ap: 'ok' });
    },
  },
};

describe('examples/ on a real `drover run standalone`', () => {
  let server: StandaloneProcess;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    server = await startStandalone();
    api = client(server.url);
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('has an expectation for every example file', () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`runs ${file} to ${expected.state}`, async () => {
      const id = await api.submitFile(join(EXAMPLES, file));
      const job = await api.waitForJob(id);
      expect(job.state, JSON.stringify(job.execution?.map((t: any) => [t.state, t.error]))).toBe(expected.state);
      if (expected.result !== undefined) expect(job.result).toBe(expected.result);
      await expected.check?.(job, api);
    });
  }
});
