import { describe, expect, it } from 'vitest';
import { evaluateExpression } from '../../src/expr/evaluate.js';
import { context, failure, show } from './helpers.js';

describe('arithmetic', () => {
  it.each([
    ['1 + 2', '3'],
    ['1 + 2.5', '3.5'],
    ['5 - 7', '-2'],
    ['2.5 - 0.5', '2'],
    ['6 * 7', '42'],
    ['1.5 * 2', '3'],
    ['10 / 4', '2.5'],
    ['10 / 2', '5'],
    ['3 / 2', '1.5'],
    ['1 / 0', '+Inf'],
    ['-1 / 0', '-Inf'],
    ['7 % 3', '1'],
    ['-7 % 3', '-1'],
    ['2 ** 10', '1024'],
    ['2 ^ 0.5', '1.4142135623730951'],
    ['-(3)', '-3'],
    ['+4', '4'],
    ['-2.5', '-2.5'],
    ["'ab' + 'cd'", 'abcd'],
  ])('%s gives %s', (source, printed) => {
    expect(show(source)).toBe(printed);
  });

  it('keeps integer results as integers and / results as floats', () => {
    expect(evaluateExpression('6 * 7', {})).toBe(42n);
    expect(evaluateExpression('10 / 2', {})).toBe(5);
    expect(evaluateExpression('2 ** 2', {})).toBe(4);
  });

  it('wraps 64-bit integer overflow like Go', () => {
    expect(show('9223372036854775807 + 1')).toBe('-9223372036854775808');
  });

  it('rejects mixing strings and numbers before running when the types are certain', () => {
    expect(failure('inputs.count + 1')).toBe(
      'error compiling expression: inputs.count + 1: invalid operation: + (mismatched types string and int) (1:14)',
    );
    expect(failure("'a' * 2.5")).toBe(
      "error compiling expression: 'a' * 2.5: invalid operation: * (mismatched types string and float64) (1:5)",
    );
  });

  it('rejects mixing strings and numbers while running otherwise', () => {
    expect(failure('item.value.name + 1')).toBe(
      'error evaluating expression: item.value.name + 1: invalid operation: string + int',
    );
    expect(show('let inputs = {count: 1}; inputs.count + 1')).toBe('2');
  });

  it('rejects % on floats and by zero', () => {
    expect(failure('7.5 % 2')).toBe('error evaluating expression: 7.5 % 2: invalid operation: float64 % int');
    expect(failure('7 % 0')).toBe('error evaluating expression: 7 % 0: integer divide by zero');
  });

  it('rejects arithmetic on arrays and nil', () => {
    expect(failure('[1] + [2]')).toBe(
      'error evaluating expression: [1] + [2]: invalid operation: []interface {} + []interface {}',
    );
    expect(failure('-nil')).toBe('error evaluating expression: -nil: invalid operation: - <nil>');
  });
});

describe('comparison and equality', () => {
  it.each([
    ['1 == 1.0', 'true'],
    ['1 != 2', 'true'],
    ["'a' == 'a'", 'true'],
    ["'a' == 1", 'false'],
    ['nil == nil', 'true'],
    ['[1, 2] == [1, 2]', 'true'],
    ['{a: 1} == {a: 1}', 'true'],
    ['{a: 1} == {a: 1.0}', 'false'],
    ['2 > 1.5', 'true'],
    ['2 >= 2', 'true'],
    ['1 <= 0', 'false'],
    ["'abc' < 'abd'", 'true'],
  ])('%s gives %s', (source, printed) => {
    expect(show(source)).toBe(printed);
  });

  it('rejects ordering values of different kinds', () => {
    expect(failure("'a' < 1")).toBe("error evaluating expression: 'a' < 1: invalid operation: string < int");
  });
});

describe('logic', () => {
  it.each([
    ['true and false', 'false'],
    ['true && true', 'true'],
    ['false or true', 'true'],
    ['false || false', 'false'],
    ['not false', 'true'],
    ['!true', 'false'],
  ])('%s gives %s', (source, printed) => {
    expect(show(source)).toBe(printed);
  });

  it('short-circuits and and or', () => {
    expect(show('false and int("x") == 1')).toBe('false');
    expect(show('true or int("x") == 1')).toBe('true');
  });

  it('rejects non-boolean operands', () => {
    expect(failure("not 'yes'")).toBe(
      "error evaluating expression: not 'yes': invalid operation: not string",
    );
    expect(failure('1 and true')).toBe(
      'error evaluating expression: 1 and true: invalid operation: int and bool',
    );
  });

  it('rejects a non-boolean condition', () => {
    expect(failure("'x' ? 1 : 2")).toBe(
      "error evaluating expression: 'x' ? 1 : 2: non-bool expression (type string) used as condition",
    );
  });
});

describe('string operators', () => {
  it.each([
    ["'hello' contains 'ell'", 'true'],
    ["'hello' startsWith 'he'", 'true'],
    ["'hello' endsWith 'lo'", 'true'],
    ["'hello' matches '^h.*o$'", 'true'],
    ["'Hello' matches '(?i)^hello$'", 'true'],
  ])('%s gives %s', (source, printed) => {
    expect(show(source)).toBe(printed);
  });

  it('requires strings on both sides', () => {
    expect(failure("1 contains '1'")).toBe(
      "error evaluating expression: 1 contains '1': invalid operation: int contains string",
    );
  });
});

describe('membership and ranges', () => {
  it.each([
    ['2 in [1, 2]', 'true'],
    ['2.0 in [1, 2]', 'true'],
    ["'x' in ['a']", 'false'],
    ["'a' in {a: 1}", 'true'],
    ["'name' in inputs", 'true'],
    ["'nope' in inputs", 'false'],
    ['1 in nil', 'false'],
    ['1..4', '[1 2 3 4]'],
    ['3..1', '[]'],
  ])('%s gives %s', (source, printed) => {
    expect(show(source)).toBe(printed);
  });

  it('rejects in on a string', () => {
    expect(failure("'a' in 'abc'")).toBe(
      `error evaluating expression: 'a' in 'abc': operator "in" not defined on string`,
    );
  });

  it('rejects a range of floats', () => {
    expect(failure('1..2.5')).toBe('error evaluating expression: 1..2.5: invalid operation: int .. float64');
  });
});

describe('member access', () => {
  it('reads context maps by dot and by index', () => {
    expect(show('inputs.name')).toBe('world');
    expect(show("inputs['name']")).toBe('world');
    expect(show('item.value.name')).toBe('x');
  });

  it('gives "" for a missing key of a context string map', () => {
    expect(show('tasks.notYet')).toBe('');
    expect(evaluateExpression('inputs.missing', context())).toBe('');
    expect(show("get(secrets, 'missing') == ''")).toBe('true');
  });

  it('gives nil for a missing key of any other map', () => {
    expect(evaluateExpression('item.value.missing', context())).toBeNull();
    expect(show('{a: 1}.b')).toBe('<nil>');
  });

  it('fails to read a field of nil', () => {
    expect(failure('item.value.missing.deeper')).toBe(
      'error evaluating expression: item.value.missing.deeper: cannot fetch deeper from <nil>',
    );
  });

  it('makes a whole ?. chain nil when it meets nil', () => {
    expect(show('item.value.missing?.deeper.deepest')).toBe('<nil>');
    expect(show('nil?.[0]')).toBe('<nil>');
    expect(show('item?.value?.name')).toBe('x');
  });

  it('coalesces nil with ??', () => {
    expect(show("item.value.missing ?? 'fallback'")).toBe('fallback');
    expect(show("item.value.name ?? 'fallback'")).toBe('x');
  });

  it('indexes arrays from either end', () => {
    expect(show('[1, 2, 3][0]')).toBe('1');
    expect(show('[1, 2, 3][-1]')).toBe('3');
    expect(failure('[1, 2, 3][3]')).toBe(
      'error evaluating expression: [1, 2, 3][3]: index out of range: 3 (array length is 3)',
    );
  });

  it('slices arrays and strings', () => {
    expect(show('[1, 2, 3, 4][1:3]')).toBe('[2 3]');
    expect(show('[1, 2, 3, 4][:2]')).toBe('[1 2]');
    expect(show('[1, 2, 3, 4][2:]')).toBe('[3 4]');
    expect(show('[1, 2, 3, 4][-2:]')).toBe('[3 4]');
    expect(show('[1, 2, 3, 4][:]')).toBe('[1 2 3 4]');
    expect(show('[1, 2][5:9]')).toBe('[]');
    expect(show("'hello'[1:3]")).toBe('el');
  });

  it('indexes a string by byte, as Go does', () => {
    expect(show("'abc'[1]")).toBe('98');
  });

  it('exposes the whole context as $env', () => {
    expect(show("'inputs' in $env")).toBe('true');
    expect(show('$env.job.name')).toBe('demo');
  });

  it('reads Go-style struct fields given as plain objects', () => {
    const ctx = { job: { State: 'COMPLETED', TaskCount: 3 } };
    expect(evaluateExpression("job.State == 'COMPLETED' && job.TaskCount > 2", ctx)).toBe(true);
  });
});
