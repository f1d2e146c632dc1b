import { describe, expect, it } from 'vitest';
import { bodyFormat, parseBody } from '../../src/input/parse.js';
import { parseJob, parseScheduledJob } from '../../src/input/validate.js';
import { problemsOf } from './helpers.js';

const HELLO_YAML = 'name: hello\ntasks:\n  - name: t\n    run: echo hi\n';
const HELLO_JSON = JSON.stringify({ name: 'hello', tasks: [{ name: 't', run: 'echo hi' }] });

describe('content types', () => {
  it('accepts JSON with or without parameters', () => {
    expect(parseJob(HELLO_JSON, 'application/json').name).toBe('hello');
    expect(parseJob(HELLO_JSON, 'application/json; charset=utf-8').name).toBe('hello');
    expect(parseJob(HELLO_JSON, 'Application/JSON').name).toBe('hello');
  });

  it('accepts the YAML media types', () => {
    for (const type of [
      'text/yaml',
      'application/x-yaml',
      'application/yaml',
      'text/x-yaml',
      'text/yaml; charset=utf-8',
    ]) {
      expect(bodyFormat(type)).toBe('yaml');
      expect(parseJob(HELLO_YAML, type).name).toBe('hello');
    }
  });

  it('rejects a missing content type', () => {
    expect(problemsOf(() => parseJob(HELLO_JSON, undefined))).toEqual(['missing content type']);
    expect(problemsOf(() => parseJob(HELLO_JSON, '  '))).toEqual(['missing content type']);
  });

  it('rejects an unknown content type, naming it', () => {
    expect(problemsOf(() => parseJob(HELLO_JSON, 'text/plain'))).toEqual([
      'unknown content type: text/plain',
    ]);
    expect(problemsOf(() => parseJob(HELLO_JSON, 'application/xml; q=1'))).toEqual([
      'unknown content type: application/xml; q=1',
    ]);
  });

  it('accepts the same content types for scheduled jobs', () => {
    const yaml = `${HELLO_YAML}schedule:\n  cron: "0 2 * * *"\n`;
    expect(parseScheduledJob(yaml, 'application/x-yaml').schedule.cron).toBe('0 2 * * *');
    expect(problemsOf(() => parseScheduledJob(yaml, undefined))).toEqual(['missing content type']);
    expect(problemsOf(() => parseScheduledJob(yaml, 'text/csv'))).toEqual(['unknown content type: text/csv']);
  });
});

describe('decoding', () => {
  it('rejects an empty body in both formats', () => {
    expect(problemsOf(() => parseJob('', 'application/json'))).toEqual(['body: is empty']);
    expect(problemsOf(() => parseJob('  \n', 'text/yaml'))).toEqual(['body: is empty']);
    expect(problemsOf(() => parseJob('# only a comment\n', 'text/yaml'))).toEqual(['body: is empty']);
  });

  it('reports a YAML syntax error with its line and column', () => {
    expect(problemsOf(() => parseJob('name: x\ntasks: [a,\n b: 2', 'text/yaml'))).toEqual([
      'body: invalid YAML at line 3, column 6: flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  it('reports duplicate YAML keys', () => {
    expect(problemsOf(() => parseJob('name: a\nname: b\n', 'text/yaml'))).toEqual([
      'body: invalid YAML at line 2, column 1: map keys must be unique',
    ]);
  });

  it('reports tabs used as YAML indentation', () => {
    expect(problemsOf(() => parseJob('name: a\ntasks:\n\t- name: t\n', 'text/yaml'))[0]).toMatch(
      /^body: invalid YAML at line 3, column 1: /,
    );
  });

  it('reports a JSON syntax error with its line and column', () => {
    expect(problemsOf(() => parseJob('{"name": "x",\n "tasks" 1}', 'application/json'))).toEqual([
      'body: invalid JSON at line 2, column 10: unexpected number',
    ]);
  });

  it("reports JSON syntax errors in V8's words, without the echoed body", () => {
    expect(problemsOf(() => parseJob('{"name":}', 'application/json'))).toEqual([
      "body: invalid JSON: unexpected token '}'",
    ]);
    expect(problemsOf(() => parseJob('{"name": "x"', 'application/json'))).toEqual([
      "body: invalid JSON at line 1, column 13: expected ',' or '}' after property value",
    ]);
  });

  it('rejects a body that is not a map of fields', () => {
    expect(problemsOf(() => parseJob('[1, 2]', 'application/json'))).toEqual([
      'body: must be a job definition (a map of fields such as name and tasks), got a list',
    ]);
    expect(problemsOf(() => parseJob('hello', 'text/yaml'))).toEqual([
      'body: must be a job definition (a map of fields such as name and tasks), got "hello"',
    ]);
    expect(problemsOf(() => parseJob('"x"', 'application/json'))).toEqual([
      'body: must be a job definition (a map of fields such as name and tasks), got "x"',
    ]);
    expect(problemsOf(() => parseScheduledJob('- a', 'text/yaml'))).toEqual([
      'body: must be a scheduled job definition (a map of fields such as name and tasks), got a list',
    ]);
  });

  it('parseBody gives plain values without validating', () => {
    expect(parseBody('a: .5\nb: [x, 2]\nc: true\n', 'text/yaml')).toEqual({ a: 0.5, b: ['x', 2], c: true });
    expect(parseBody('{"anything": 1}', 'application/json')).toEqual({ anything: 1 });
  });

  it('resolves YAML anchors, aliases and merge keys', () => {
    const yaml = [
      'name: anchors',
      'tasks:',
      '  - &base',
      '    name: first',
      '    image: alpine',
      '    env: {A: "1"}',
      '  - <<: *base',
      '    name: second',
    ].join('\n');
    const job = parseJob(yaml, 'text/yaml');
    expect(job.tasks.map((task) => [task.name, task.image, task.env])).toEqual([
      ['first', 'alpine', { A: '1' }],
      ['second', 'alpine', { A: '1' }],
    ]);
  });

  it('stops expanding aliases that would blow up the document', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++)
      lines.push(
        `a${i}: &a${i} [*a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}]`,
      );
    expect(problemsOf(() => parseJob(lines.join('\n'), 'text/yaml'))).toEqual([
      'body: YAML document is too large once aliases are expanded (over 100000 values)',
    ]);
  });

  it('treats a __proto__ key as an ordinary unknown field', () => {
    expect(
      problemsOf(() =>
        parseJob('name: x\ntasks: [{name: t}]\n__proto__: {polluted: true}\n', 'text/yaml'),
      )[0],
    ).toBe(
      '__proto__: unknown field (allowed: name, description, tags, tasks, inputs, secrets, output, defaults, webhooks, permissions, ...)',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('pathological bodies', () => {
  it('rejects definitions nested too deeply instead of overflowing the stack', () => {
    const nested = `{"name":"x","tasks":[${'{"name":"t","parallel":{"tasks":['.repeat(2000)}${']}}'.repeat(2000)}]}`;
    expect(problemsOf(() => parseJob(nested, 'application/json'))).toEqual([
      'body: is nested too deeply (more than 100 levels of lists and maps)',
    ]);
  });

  it('reports a YAML document nested beyond the parser as a YAML error', () => {
    const nested = `name: x\ntasks: ${'['.repeat(5000)}${']'.repeat(5000)}`;
    expect(problemsOf(() => parseJob(nested, 'text/yaml'))[0]).toMatch(
      /^body: invalid YAML at line 2, column \d+: /,
    );
  });
});
