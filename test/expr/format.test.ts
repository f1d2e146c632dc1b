import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../src/expr/errors.js';
import { evaluateExpression } from '../../src/expr/evaluate.js';
import { formatFloat, formatValue, toPlainValue } from '../../src/expr/format.js';
import { GoTime, Location } from '../../src/expr/time.js';
import { GoDuration } from '../../src/expr/time-duration.js';

describe('formatFloat', () => {
  it.each([
    [0.5, '0.5'],
    [3, '3'],
    [123456, '123456'],
    [0.0001, '0.0001'],
    [1e6, '1e+06'],
    [1.5e6, '1.5e+06'],
    [1234567, '1.234567e+06'],
    [1e-5, '1e-05'],
    [2.5e-5, '2.5e-05'],
    [1e21, '1e+21'],
    [1e100, '1e+100'],
    [-7.25, '-7.25'],
    [0.1 + 0.2, '0.30000000000000004'],
    [0, '0'],
    [-0, '-0'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ])('prints %s as %s', (value, text) => {
    expect(formatFloat(value)).toBe(text);
  });
});

describe('formatValue', () => {
  it('prints strings as they are and integers in decimal', () => {
    expect(formatValue('a b')).toBe('a b');
    expect(formatValue(42n)).toBe('42');
    expect(formatValue(-7n)).toBe('-7');
  });

  it('prints JS numbers as floats', () => {
    expect(formatValue(1000000)).toBe('1e+06');
    expect(formatValue(2)).toBe('2');
  });

  it('prints booleans and nil', () => {
    expect(formatValue(true)).toBe('true');
    expect(formatValue(null)).toBe('<nil>');
    expect(formatValue(undefined)).toBe('<nil>');
  });

  it('prints lists with single spaces', () => {
    expect(formatValue([1n, 2n, 3n])).toBe('[1 2 3]');
    expect(formatValue(['a', 'b'])).toBe('[a b]');
    expect(formatValue([[1n], [], null])).toBe('[[1] [] <nil>]');
  });

  it('prints maps with sorted keys', () => {
    expect(formatValue({ b: 'x', a: 1n })).toBe('map[a:1 b:x]');
    expect(formatValue({ m: { z: [1n] } })).toBe('map[m:map[z:[1]]]');
    expect(formatValue({})).toBe('map[]');
  });

  it('prints times in Go layout with trimmed fractions', () => {
    expect(formatValue(new GoTime(0, 0, Location.UTC))).toBe('1970-01-01 00:00:00 +0000 UTC');
    expect(formatValue(new GoTime(0, 120_000_000, Location.UTC))).toBe('1970-01-01 00:00:00.12 +0000 UTC');
    expect(formatValue(new GoTime(0, 0, Location.load('Asia/Kolkata')))).toBe(
      '1970-01-01 05:30:00 +0530 +0530',
    );
    expect(formatValue(new GoTime(0, 0, Location.fixedZone('', -3600)))).toBe(
      '1969-12-31 23:00:00 -0100 -0100',
    );
    expect(formatValue(new Date('2024-01-02T03:04:05Z'))).toBe('2024-01-02 03:04:05 +0000 UTC');
  });

  it('prints durations as Go does', () => {
    expect(formatValue(new GoDuration(3_600_000_000_000n))).toBe('1h0m0s');
    expect(formatValue(new GoDuration(1_500_000n))).toBe('1.5ms');
    expect(formatValue(new GoDuration(-1n))).toBe('-1ns');
  });

  it('refuses values nested too deeply to print', () => {
    const deep: unknown[] = [];
    let cursor = deep;
    for (let i = 0; i < 1000; i++) {
      const next: unknown[] = [];
      cursor.push(next);
      cursor = next;
    }
    expect(() => formatValue(deep)).toThrow(
      new ExpressionError('error printing value: value is nested too deeply to print'),
    );
  });

  it('refuses a cyclic value instead of looping', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => formatValue(cyclic)).toThrow(ExpressionError);
  });
});

describe('toPlainValue', () => {
  it('turns evaluation results into JSON-safe values', () => {
    const value = evaluateExpression(
      "{n: 1, big: 9223372036854775807, f: 2.5, list: [1, nil], t: date('2024-01-02T03:04:05Z'), d: duration('1s'), m: date('2024-03-01').Month()}",
      {},
    );
    expect(JSON.parse(JSON.stringify(toPlainValue(value)))).toEqual({
      n: 1,
      big: '9223372036854775807',
      f: 2.5,
      list: [1, null],
      t: '2024-01-02T03:04:05Z',
      d: 1_000_000_000,
      m: 3,
    });
  });
});
