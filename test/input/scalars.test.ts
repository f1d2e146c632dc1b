import { describe, expect, it } from 'vitest';
import { parseJob } from '../../src/input/validate.js';
import { problemsOf } from './helpers.js';

function yamlJob(taskLines: string[], jobLines: string[] = []): string {
  return [
    'name: scalars',
    ...jobLines,
    'tasks:',
    '  - name: t',
    ...taskLines.map((line) => `    ${line}`),
  ].join('\n');
}

describe('YAML scalars in string fields', () => {
  it('keeps the literal text of numbers, booleans and odd forms', () => {
    const job = parseJob(
      yamlJob(
        [
          'limits:',
          '  cpus: .5',
          '  memory: 1e3',
          'env:',
          '  COUNT: 5',
          '  DEBUG: true',
          '  HEX: 0x1F',
          '  FLOAT: 5.0',
          '  OFF: no',
        ],
        ['inputs:', '  ratio: 1.50', '  big: 12345678901234567890'],
      ),
      'text/yaml',
    );
    expect(job.tasks[0]?.limits).toEqual({ cpus: '.5', memory: '1e3' });
    expect(job.tasks[0]?.env).toEqual({ COUNT: '5', DEBUG: 'true', HEX: '0x1F', FLOAT: '5.0', OFF: 'no' });
    expect(job.inputs).toEqual({ ratio: '1.50', big: '12345678901234567890' });
  });

  it('takes quoted and block scalars as their text', () => {
    const job = parseJob(
      yamlJob(['run: |', '  echo one', '  echo two', 'description: "tab\\there"', "image: 'alpine:3'"]),
      'text/yaml',
    );
    expect(job.tasks[0]?.run).toBe('echo one\necho two\n');
    expect(job.tasks[0]?.description).toBe('tab\there');
    expect(job.tasks[0]?.image).toBe('alpine:3');
  });

  it('takes list items and names as text', () => {
    const job = parseJob(
      yamlJob(['cmd: [echo, 1, true]', 'networks: [net1]'], ['tags: [2024, nightly]']),
      'text/yaml',
    );
    expect(job.tasks[0]?.cmd).toEqual(['echo', '1', 'true']);
    expect(job.tags).toEqual(['2024', 'nightly']);
  });

  it('treats an empty or null value as not given', () => {
    const job = parseJob(yamlJob(['image:', 'description: ~', 'env:', '  EMPTY:']), 'text/yaml');
    expect(job.tasks[0]?.image).toBeUndefined();
    expect(job.tasks[0]?.description).toBeUndefined();
    expect(job.tasks[0]?.env).toEqual({ EMPTY: '' });
  });

  it('reports an empty required value as missing', () => {
    expect(problemsOf(() => parseJob('name:\ntasks:\n', 'text/yaml'))).toEqual([
      'name: is required',
      'tasks: is required',
    ]);
  });

  it('rejects a map or list where a string belongs', () => {
    expect(problemsOf(() => parseJob(yamlJob(['image: {a: 1}', 'run: [a]']), 'text/yaml'))).toEqual([
      'tasks[0].image: must be a string (got a map)',
      'tasks[0].run: must be a string (got a list)',
    ]);
  });
});

describe('YAML typed fields', () => {
  it('reads integers, numbers and booleans by value', () => {
    const job = parseJob(
      yamlJob(['priority: 3', 'retry:', '  limit: 2', '  scalingFactor: 1.5']),
      'text/yaml',
    );
    expect(job.tasks[0]?.priority).toBe(3);
    expect(job.tasks[0]?.retry).toEqual({ limit: 2, scalingFactor: 1.5 });
  });

  it('rejects a quoted number in an integer field', () => {
    expect(
      problemsOf(() => parseJob(yamlJob(['priority: "2"', 'retry:', '  limit: two']), 'text/yaml')),
    ).toEqual([
      'tasks[0].retry.limit: must be an integer (got "two")',
      'tasks[0].priority: must be an integer (got "2")',
    ]);
  });

  it('rejects yes/no where a boolean belongs (YAML 1.2)', () => {
    const yaml = [
      'name: b',
      'tasks:',
      '  - name: p',
      '    parallel:',
      '      allowFailures: yes',
      '      tasks: [{name: c}]',
    ].join('\n');
    expect(problemsOf(() => parseJob(yaml, 'text/yaml'))).toEqual([
      'tasks[0].parallel.allowFailures: must be true or false (got "yes")',
    ]);
  });
});

describe('JSON strictness', () => {
  it('requires JSON strings in string fields', () => {
    const body = JSON.stringify({
      name: 'j',
      inputs: { count: 5 },
      tasks: [{ name: 't', limits: { cpus: 0.5 }, env: { DEBUG: true } }],
    });
    expect(problemsOf(() => parseJob(body, 'application/json'))).toEqual([
      'tasks[0].env.DEBUG: must be a string (got true)',
      'tasks[0].limits.cpus: must be a string (got 0.5)',
      'inputs.count: must be a string (got 5)',
    ]);
  });

  it('requires JSON integers in integer fields', () => {
    const body = JSON.stringify({ name: 'j', tasks: [{ name: 't', priority: '1', retry: { limit: 1.5 } }] });
    expect(problemsOf(() => parseJob(body, 'application/json'))).toEqual([
      'tasks[0].retry.limit: must be an integer (got 1.5)',
      'tasks[0].priority: must be an integer (got "1")',
    ]);
  });

  it('matches keys case-sensitively', () => {
    const body = JSON.stringify({ Name: 'j', tasks: [{ name: 't' }] });
    expect(problemsOf(() => parseJob(body, 'application/json'))).toEqual([
      'name: is required',
      'Name: unknown field, did you mean name? (allowed: name, description, tags, tasks, inputs, secrets, output, defaults, webhooks, permissions, ...)',
    ]);
  });

  it('treats null as not given', () => {
    const job = parseJob(
      JSON.stringify({ name: 'j', description: null, tasks: [{ name: 't', env: null }] }),
      'application/json',
    );
    expect(job.description).toBeUndefined();
    expect(job.tasks[0]?.env).toBeUndefined();
  });
});
