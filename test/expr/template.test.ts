import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../src/expr/errors.js';
import { evaluateExpression } from '../../src/expr/evaluate.js';
import {
  evaluateTemplate,
  extractExpression,
  hasTemplate,
  validateTemplate,
} from '../../src/expr/template.js';
import { context } from './helpers.js';

describe('hasTemplate', () => {
  it('finds a block', () => {
    expect(hasTemplate('a {{ x }} b')).toBe(true);
    expect(hasTemplate('{{x}}')).toBe(true);
    expect(hasTemplate('{{ x\n }}')).toBe(true);
  });

  it('ignores text without a complete block', () => {
    expect(hasTemplate('plain')).toBe(false);
    expect(hasTemplate('{1+1}}')).toBe(false);
    expect(hasTemplate('{{}}')).toBe(false);
    expect(hasTemplate('{{ a\nb }}')).toBe(false);
  });
});

describe('evaluateTemplate', () => {
  it('replaces each block with its printed value', () => {
    expect(evaluateTemplate('Hello {{ inputs.name }}, {{ 1 + 1 }} times', context())).toBe(
      'Hello world, 2 times',
    );
  });

  it('prints values as Go %v', () => {
    const ctx = context();
    expect(evaluateTemplate('{{ 10 / 4 }}|{{ 10 / 2 }}|{{ [1,2,3] }}|{{ 1 == 1 }}', ctx)).toBe(
      '2.5|5|[1 2 3]|true',
    );
    expect(evaluateTemplate("{{ sequence(1,3) }}|{{ fromJSON('[1000000]')[0] }}|{{ nil }}", ctx)).toBe(
      '[1 2]|1e+06|<nil>',
    );
  });

  it('gives "" for a missing key', () => {
    expect(evaluateTemplate('[{{ inputs.missing }}] [{{ tasks.notYet }}]', context())).toBe('[] []');
  });

  it('returns text without blocks unchanged', () => {
    expect(evaluateTemplate('all done', {})).toBe('all done');
    expect(evaluateTemplate('', {})).toBe('');
  });

  it('ends a block at the first }}', () => {
    expect(evaluateTemplate('{{ 1 }}}}', {})).toBe('1}}');
  });

  it('trims whitespace inside the braces', () => {
    expect(evaluateTemplate('{{inputs.name}}-{{   inputs.name   }}', context())).toBe('world-world');
  });

  it('evaluates an each item from the context', () => {
    const items = evaluateExpression('sequence(999999, 1000001)', {}) as unknown[];
    const ctx = { ...context(), item: { index: '1', value: items[1] } };
    expect(evaluateTemplate('{{ item.index }}:{{ item.value }}', ctx)).toBe('1:1000000');
  });

  it('fails the whole template when one block fails', () => {
    expect(() => evaluateTemplate('{{ 1 }} {{ foo }}', {})).toThrow(
      new ExpressionError('error compiling expression: foo: unknown name foo (1:1)'),
    );
    expect(() => evaluateTemplate("{{ int('x') }}", {})).toThrow(
      new ExpressionError(`error evaluating expression: int('x'): cannot convert "x" to int`),
    );
  });
});

describe('validateTemplate', () => {
  it('accepts literal text and valid blocks', () => {
    expect(validateTemplate('all done')).toBeUndefined();
    expect(validateTemplate('{{ no.such.thing }} and {{ 1 + 1 }}')).toBeUndefined();
  });

  it('checks every block, not only the first', () => {
    expect(validateTemplate('{{ 1 }} then {{ 1 + }}')).toBe(
      'error compiling expression: 1 +: unexpected end of expression (1:3)',
    );
  });
});

describe('extractExpression', () => {
  it('takes the first block', () => {
    expect(extractExpression('{{ sequence(1, 3) }}')).toBe('sequence(1, 3)');
    expect(extractExpression('x {{ a }} {{ b }}')).toBe('a');
  });

  it('takes the whole text without a block', () => {
    expect(extractExpression('[1, 2]')).toBe('[1, 2]');
  });
});
