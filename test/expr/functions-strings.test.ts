import { describe, expect, it } from 'vitest';
import { failure, show } from './helpers.js';

describe('string functions', () => {
  it.each([
    ["trim('  a b \\n')", 'a b'],
    ["trim('xxaxx', 'x')", 'a'],
    ["trim('-=a=-', '=-')", 'a'],
    ["trimPrefix('prefix-body', 'prefix-')", 'body'],
    ["trimPrefix(' body')", 'body'],
    ["trimPrefix('body', 'x')", 'body'],
    ["trimSuffix('file.txt', '.txt')", 'file'],
    ["trimSuffix('body ')", 'body'],
    ["upper('abc')", 'ABC'],
    ["lower('ÀBC')", 'àbc'],
    ["split('a,b,c', ',')", '[a b c]'],
    ["split('a,b,c', ',', 2)", '[a b,c]'],
    ["split('a,b', ',', 0)", '[]'],
    ["split('abc', '')", '[a b c]'],
    ["split('', ',')", '[]'],
    ["splitAfter('a,b,c', ',')", '[a, b, c]'],
    ["splitAfter('a,b,c', ',', 2)", '[a, b,c]'],
    ["replace('aaa', 'a', 'b')", 'bbb'],
    ["replace('aaa', 'a', 'b', 2)", 'bba'],
    ["replace('ab', '', '-')", '-a-b-'],
    ["repeat('ab', 3)", 'ababab'],
    ["repeat('ab', 0)", ''],
    ["indexOf('héllo', 'l')", '3'],
    ["indexOf('hello', 'z')", '-1'],
    ["lastIndexOf('héllo', 'l')", '4'],
    ["hasPrefix('hello', 'he')", 'true'],
    ["hasSuffix('hello', 'he')", 'false'],
  ])('%s gives %s', (source, printed) => {
    expect(show(source)).toBe(printed);
  });

  it('prints an empty split result of an empty string as one empty item', () => {
    expect(show("len(split('', ','))")).toBe('1');
  });

  it('refuses a negative repeat count', () => {
    expect(failure("repeat('a', -1)")).toBe(
      "error evaluating expression: repeat('a', -1): invalid argument for repeat (expected positive integer, got -1)",
    );
  });

  it('refuses a repeat over the memory budget', () => {
    expect(failure("repeat('a', 1000001)")).toBe(
      "error evaluating expression: repeat('a', 1000001): memory budget exceeded",
    );
    expect(failure("repeat('ab', 600000)")).toBe(
      "error evaluating expression: repeat('ab', 600000): memory budget exceeded",
    );
  });

  it('refuses arguments of the wrong type', () => {
    expect(failure('upper(1)')).toBe(
      'error evaluating expression: upper(1): cannot use int as argument (type string) to call upper',
    );
  });
});
