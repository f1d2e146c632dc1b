import { describe, expect, it } from 'vitest';
import { evaluateExpression } from '../../src/expr/evaluate.js';
import { context, failure, show } from './helpers.js';

describe('toJSON', () => {
  it('indents with two spaces and sorts map keys', () => {
    expect(show("toJSON({b: [1, 2.5], a: 'x', c: {}, d: []})")).toBe(
      '{\n  "a": "x",\n  "b": [\n    1,\n    2.5\n  ],\n  "c": {},\n  "d": []\n}',
    );
  });

  it('escapes <, > and & as Go does', () => {
    expect(show('toJSON(\'<a href="x">&</a>\')')).toBe(
      '"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"',
    );
  });

  it('writes scalars', () => {
    expect(show('toJSON(nil)')).toBe('null');
    expect(show('toJSON(1e21)')).toBe('1e+21');
    expect(show('toJSON(1000000.0)')).toBe('1000000');
    expect(show("toJSON('a\\nb')")).toBe('"a\\nb"');
  });

  it('writes times in RFC 3339 and durations in nanoseconds', () => {
    expect(show("toJSON(date('2024-01-02T03:04:05.5Z'))")).toBe('"2024-01-02T03:04:05.5Z"');
    expect(show("toJSON(duration('1s'))")).toBe('1000000000');
  });

  it('refuses NaN', () => {
    expect(failure("toJSON(float('NaN'))")).toBe(
      `error evaluating expression: toJSON(float('NaN')): json: unsupported value: NaN`,
    );
  });
});

describe('fromJSON', () => {
  it('decodes numbers as floats', () => {
    expect(show("fromJSON('[1000000]')[0]")).toBe('1e+06');
    expect(show("type(fromJSON('1'))")).toBe('float');
  });

  it('decodes objects as maps where missing keys are nil', () => {
    expect(show('fromJSON(inputs.json)')).toBe('map[a:<nil> b:[1 2.5]]');
    expect(evaluateExpression('fromJSON(inputs.json).missing', context())).toBeNull();
  });

  it('keeps a __proto__ key as data', () => {
    expect(show(`fromJSON('{"__proto__": {"x": 1}}').__proto__.x`)).toBe('1');
  });

  it('reports bad JSON', () => {
    expect(failure("fromJSON('{')")).toMatch(/^error evaluating expression: fromJSON\('\{'\): .+/);
  });
});

describe('base64', () => {
  it('encodes and decodes with padding', () => {
    expect(show("toBase64('héllo')")).toBe('aMOpbGxv');
    expect(show("fromBase64('aMOpbGxv')")).toBe('héllo');
    expect(show("fromBase64(toBase64('ab'))")).toBe('ab');
  });

  it('refuses bad input', () => {
    expect(failure("fromBase64('a$b=')")).toBe(
      "error evaluating expression: fromBase64('a$b='): illegal base64 data at input byte 1",
    );
    expect(failure("fromBase64('YWI')")).toBe(
      "error evaluating expression: fromBase64('YWI'): illegal base64 data at input byte 0",
    );
  });
});
