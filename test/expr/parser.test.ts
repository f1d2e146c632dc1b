import { describe, expect, it } from 'vitest';
import { evaluateExpression, validateExpression } from '../../src/expr/evaluate.js';
import { failure, show } from './helpers.js';

describe('literals', () => {
  it.each([
    ['42', '42'],
    ['0x2A', '42'],
    ['0X2a', '42'],
    ['0o52', '42'],
    ['0b101010', '42'],
    ['1_000', '1000'],
    ['0.5', '0.5'],
    ['.5', '0.5'],
    ['1e3', '1000'],
    ['1.5e-7', '1.5e-07'],
    ['true', 'true'],
    ['false', 'false'],
    ['nil', '<nil>'],
    ['"a\\tb"', 'a\tb'],
    ["'it\\'s'", "it's"],
    ['"\\u00e9\\x41\\101\\U0001F600"', 'éAA😀'],
    ['`raw \\n text`', 'raw \\n text'],
    ['[1, 2, 3,]', '[1 2 3]'],
    ['{a: 1, "b": 2, 3: "c", (1 + 1): "d",}', 'map[2:d 3:c a:1 b:2]'],
  ])('reads %s', (source, printed) => {
    expect(show(source)).toBe(printed);
  });

  it('keeps integer literals as integers and float literals as floats', () => {
    expect(evaluateExpression('1000000', {})).toBe(1000000n);
    expect(evaluateExpression('1000000.0', {})).toBe(1e6);
    expect(show('1000000.0')).toBe('1e+06');
  });

  it('skips line and block comments', () => {
    expect(show('/* lead */ 1 + // trailing\n 2')).toBe('3');
  });

  it('rejects malformed literals with their position', () => {
    expect(failure('"abc')).toBe('error compiling expression: "abc: literal not terminated (1:5)');
    expect(failure('"\\q"')).toBe('error compiling expression: "\\q": invalid char escape (1:3)');
    expect(failure('12abc')).toBe('error compiling expression: 12abc: bad number syntax: "12a" (1:3)');
    expect(failure('99999999999999999999')).toBe(
      'error compiling expression: 99999999999999999999: integer literal is too large (1:1)',
    );
    expect(failure('1 @ 2')).toBe(
      "error compiling expression: 1 @ 2: unrecognized character: U+0040 '@' (1:3)",
    );
    expect(failure('{[1]: 2}')).toBe(
      'error compiling expression: {[1]: 2}: a map key must be a quoted string, a number, a identifier, or an expression enclosed in parentheses (unexpected token "[") (1:2)',
    );
    expect(failure('/* open')).toBe('error compiling expression: /* open: unclosed comment (1:8)');
  });
});

describe('precedence', () => {
  it.each([
    ['not true == false', 'true'],
    ['-2 ** 2', '-4'],
    ['2 ** 3 ** 2', '512'],
    ['2 ^ 2', '4'],
    ['1 + 2 * 3', '7'],
    ['(1 + 2) * 3', '9'],
    ['10 - 2 - 3', '5'],
    ['1 + 1 == 2 and 2 > 1', 'true'],
    ['true or false and false', 'true'],
    ['1..3 == [1, 2, 3]', 'true'],
    ['(nil ?? 1) + 1', '2'],
    ['nil ?? nil ?? 3', '3'],
    ['true ? 1 : 2 + 10', '1'],
    ['false ? 1 : true ? 2 : 3', '2'],
    ['not false and false', 'false'],
    ['!true || true', 'true'],
  ])('%s gives %s', (source, printed) => {
    expect(show(source)).toBe(printed);
  });

  it('chains ordering comparisons as a conjunction', () => {
    expect(show('1 < 2 < 3')).toBe('true');
    expect(show('3 > 2 > 2')).toBe('false');
  });

  it('refuses ?? mixed with another operator without parentheses', () => {
    expect(failure('nil ?? 1 == 1')).toBe(
      'error compiling expression: nil ?? 1 == 1: Operator (==) and coalesce expressions (??) cannot be mixed. Wrap either by parentheses. (1:10)',
    );
    expect(show('(nil ?? 1) == 1')).toBe('true');
  });
});

describe('negated operators', () => {
  it.each([
    ["'a' not in ['b']", 'true'],
    ["'abc' not contains 'b'", 'false'],
    ["'abc' not startsWith 'x'", 'true'],
    ["'abc' not endsWith 'c'", 'false'],
    ["'abc' not matches '^a'", 'false'],
  ])('%s gives %s', (source, printed) => {
    expect(show(source)).toBe(printed);
  });

  it('rejects not before an operator that cannot be negated', () => {
    expect(failure('1 not == 2')).toBe('error compiling expression: 1 not == 2: unexpected token "==" (1:7)');
  });
});

describe('let, if and sequences', () => {
  it('binds variables for the rest of the expression', () => {
    expect(show('let x = 2; let y = x * 3; x + y')).toBe('8');
  });

  it('lets a variable shadow a context name', () => {
    expect(show('let inputs = 1; inputs + 1')).toBe('2');
  });

  it('evaluates if/else if/else as an expression', () => {
    expect(show('if 1 > 2 { "a" } else if 2 > 1 { "b" } else { "c" }')).toBe('b');
  });

  it('requires an else branch', () => {
    expect(failure('if true { 1 }')).toBe(
      'error compiling expression: if true { 1 }: unexpected end of expression (1:13)',
    );
  });

  it('gives the last value of a ; sequence in parentheses', () => {
    expect(show('(1; 2; 3)')).toBe('3');
  });

  it('supports the ?: shorthand', () => {
    expect(show('false ?: true')).toBe('true');
  });
});

describe('pipes and predicates', () => {
  it('passes the left side as the first argument', () => {
    expect(show("'a,b' | split(',') | len()")).toBe('2');
  });

  it('feeds a predicate builtin through a pipe', () => {
    expect(show('1..5 | filter(# > 2) | map(# * 10)')).toBe('[30 40 50]');
  });

  it('accepts predicates with and without braces', () => {
    expect(show('map([1, 2], {# + 1})')).toBe('[2 3]');
    expect(show('map([1, 2], # + 1)')).toBe('[2 3]');
    expect(show('map([1, 2], { let y = # * 2; y + 1 })')).toBe('[3 5]');
  });

  it('reads fields of the current item with .Field', () => {
    expect(show("map([{Name: 'a'}, {Name: 'b'}], .Name)")).toBe('[a b]');
  });

  it('exposes #index and #acc', () => {
    expect(show("map(['a', 'b'], #index)")).toBe('[0 1]');
    expect(show('reduce([1, 2, 3], #acc + #)')).toBe('6');
  });

  it('lets a predicate see let variables of the enclosing expression', () => {
    expect(show('let k = 10; map([1, 2], # * k)')).toBe('[10 20]');
  });

  it('refuses a pointer outside a predicate', () => {
    expect(failure('# + 1')).toBe(
      'error compiling expression: # + 1: cannot use pointer accessor outside predicate (1:1)',
    );
  });

  it('refuses unknown pointers', () => {
    expect(failure('map([1], #foo)')).toBe(
      'error compiling expression: map([1], #foo): unknown pointer #foo (1:10)',
    );
  });

  it('requires the predicate argument', () => {
    expect(failure('filter([1])')).toBe(
      'error compiling expression: filter([1]): expected at least 2 arguments (1:11)',
    );
  });
});

describe('compile errors', () => {
  it('reports an unexpected end with its column', () => {
    expect(failure('1 + ')).toBe('error compiling expression: 1 + : unexpected end of expression (1:4)');
  });

  it('reports unknown top-level names at their position', () => {
    expect(failure('foo.bar')).toBe('error compiling expression: foo.bar: unknown name foo (1:1)');
    expect(failure('1 +\n  nope')).toBe('error compiling expression: 1 +\n  nope: unknown name nope (2:3)');
  });

  it('reports unknown functions and wrong argument counts', () => {
    expect(failure('nope(1)')).toBe('error compiling expression: nope(1): unknown name nope (1:1)');
    expect(failure('inputs()')).toBe('error compiling expression: inputs(): inputs is not a function (1:1)');
    expect(failure('upper()')).toBe(
      'error compiling expression: upper(): not enough arguments to call upper (1:1)',
    );
    expect(failure('len(1, 2)')).toBe(
      'error compiling expression: len(1, 2): too many arguments to call len (1:1)',
    );
  });

  it('refuses two values in a row', () => {
    expect(failure('all done')).toBe('error compiling expression: all done: unexpected token "done" (1:5)');
  });
});

describe('validateExpression', () => {
  it('accepts valid syntax without resolving names', () => {
    expect(validateExpression('no.such.thing')).toBeUndefined();
    expect(validateExpression('done')).toBeUndefined();
    expect(validateExpression('false')).toBeUndefined();
  });

  it('returns the message for invalid syntax', () => {
    expect(validateExpression('{1+1}}')).toBe(
      'error compiling expression: {1+1}}: unexpected token "+" (1:3)',
    );
    expect(validateExpression('1 +')).toBe(
      'error compiling expression: 1 +: unexpected end of expression (1:3)',
    );
    expect(validateExpression('')).toBe('error compiling expression: : unexpected end of expression (1:1)');
  });
});
