import { describe, expect, it } from 'vitest';
import { evaluateExpression } from '../../src/expr/evaluate.js';
import { failure, show } from './helpers.js';

describe('number functions', () => {
  it.each([
    ['abs(-3)', '3'],
    ['abs(-2.5)', '2.5'],
    ['ceil(1.2)', '2'],
    ['ceil(3)', '3'],
    ['floor(-1.2)', '-2'],
    ['round(2.5)', '3'],
    ['round(-2.5)', '-3'],
    ['round(2.4)', '2'],
  ])('%s gives %s', (source, printed) => {
    expect(show(source)).toBe(printed);
  });

  it('returns floats from ceil, floor and round', () => {
    expect(show('type(ceil(3))')).toBe('float');
    expect(show('type(round(2.5))')).toBe('float');
  });

  it('refuses abs of a string', () => {
    expect(failure("abs('1')")).toBe(
      "error evaluating expression: abs('1'): invalid argument for abs (type string)",
    );
  });
});

describe('conversion functions', () => {
  it.each([
    ["int('42')", '42'],
    ["int('-7')", '-7'],
    ['int(3.9)', '3'],
    ['int(-3.9)', '-3'],
    ["float('2.5')", '2.5'],
    ["float('1e3')", '1000'],
    ['float(2)', '2'],
    ["string(1) + 'x'", '1x'],
    ['string([1, 2.5])', '[1 2.5]'],
    ['type(nil)', 'nil'],
    ['type(true)', 'bool'],
    ['type(1)', 'int'],
    ['type(1.5)', 'float'],
    ["type('a')", 'string'],
    ['type([])', 'array'],
    ['type({})', 'map'],
    ["type(date('2024-01-01'))", 'time.Time'],
    ["type(duration('1s'))", 'time.Duration'],
  ])('%s gives %s', (source, printed) => {
    expect(show(source)).toBe(printed);
  });

  it('converts context strings for arithmetic', () => {
    expect(show('int(inputs.count) + 1')).toBe('4');
    expect(show('float(inputs.count) / 2')).toBe('1.5');
  });

  it('refuses a decimal string in int()', () => {
    expect(failure('int("3.5")')).toBe(
      'error evaluating expression: int("3.5"): cannot convert "3.5" to int',
    );
    expect(failure("int('x')")).toBe(`error evaluating expression: int('x'): cannot convert "x" to int`);
  });

  it('refuses text that is not a number in float()', () => {
    expect(failure("float('abc')")).toBe(
      `error evaluating expression: float('abc'): cannot convert "abc" to float`,
    );
  });

  it('refuses int() of nil', () => {
    expect(failure('int(nil)')).toBe('error evaluating expression: int(nil): cannot convert <nil> to int');
  });
});

describe('bitwise functions', () => {
  it.each([
    ['bitand(12, 10)', '8'],
    ['bitor(12, 10)', '14'],
    ['bitxor(12, 10)', '6'],
    ['bitnand(12, 10)', '4'],
    ['bitnot(0)', '-1'],
    ['bitshl(1, 10)', '1024'],
    ['bitshl(1, 64)', '0'],
    ['bitshr(-16, 2)', '-4'],
    ['bitushr(-1, 60)', '15'],
  ])('%s gives %s', (source, printed) => {
    expect(show(source)).toBe(printed);
  });

  it('refuses a negative shift and float operands', () => {
    expect(failure('bitshl(1, -1)')).toBe(
      'error evaluating expression: bitshl(1, -1): invalid operation: negative shift count -1 (type int)',
    );
    expect(failure('bitand(1.5, 1)')).toBe(
      'error evaluating expression: bitand(1.5, 1): cannot use float64 as argument (type int) to call bitand',
    );
  });
});

describe('Tork functions', () => {
  it('gives sequence(start, stop) with stop excluded', () => {
    expect(show('sequence(1, 5)')).toBe('[1 2 3 4]');
    expect(show('sequence(5, 5)')).toBe('[]');
    expect(show('sequence(5, 1)')).toBe('[]');
    expect(evaluateExpression('sequence(1, 3)', {})).toEqual([1n, 2n]);
  });

  it('refuses a non-integer sequence bound', () => {
    expect(failure('sequence(1, 2.5)')).toBe(
      'error evaluating expression: sequence(1, 2.5): invalid arg type float64',
    );
  });

  it('draws randomInt(n) in [0, n)', () => {
    for (let i = 0; i < 50; i++) {
      const v = evaluateExpression('randomInt(3)', {}) as bigint;
      expect(v >= 0n && v < 3n).toBe(true);
    }
  });

  it('draws a non-negative 63-bit randomInt()', () => {
    const v = evaluateExpression('randomInt()', {}) as bigint;
    expect(typeof v).toBe('bigint');
    expect(v >= 0n && v < 2n ** 63n).toBe(true);
  });

  it('refuses a randomInt argument that is not an integer', () => {
    expect(failure('randomInt(2.5)')).toBe(
      'error evaluating expression: randomInt(2.5): invalid arg type float64',
    );
    expect(failure('randomInt(nil)')).toBe(
      'error evaluating expression: randomInt(nil): not expecting nil argument',
    );
    expect(failure('randomInt(1, 2)')).toBe(
      'error compiling expression: randomInt(1, 2): too many arguments to call randomInt (1:1)',
    );
  });
});
