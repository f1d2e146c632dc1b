import { describe, expect, it } from 'vitest';
import { Budget } from '../../src/expr/budget.js';
import { RuntimeFault } from '../../src/expr/errors.js';
import { regexMatches } from '../../src/expr/regex.js';
import { failure } from './helpers.js';

const matches = (pattern: string, input: string) => regexMatches(pattern, input, new Budget());

describe('matches', () => {
  it.each([
    ['abc', 'xabcx', true],
    ['^abc$', 'xabc', false],
    ['a.c', 'abc', true],
    ['a.c', 'a\nc', false],
    ['(?s)a.c', 'a\nc', true],
    ['^b$', 'a\nb\nc', false],
    ['(?m)^b$', 'a\nb\nc', true],
    ['\\Aab\\z', 'ab', true],
    ['colou?r', 'color', true],
    ['ab*c', 'ac', true],
    ['ab+c', 'ac', false],
    ['a{2,3}', 'caab', true],
    ['^a{2}$', 'aaa', false],
    ['^a{2,}$', 'aaaa', true],
    ['^(ab|cd)+$', 'abcdab', true],
    ['^(?:ab|cd)+$', 'abce', false],
    ['^(?P<word>\\w+)$', 'hello_1', true],
    ['[a-c]+', 'xxbxx', true],
    ['^[^a-c]+$', 'xyz', true],
    ['^[^a-c]+$', 'xaz', false],
    ['^[[:digit:]]+$', '123', true],
    ['^\\d+\\s\\w+$', '12 ab', true],
    ['^\\D+$', 'ab', true],
    ['\\bcat\\b', 'a cat sat', true],
    ['\\bcat\\b', 'concatenate', false],
    ['\\Bcat\\B', 'concatenate', true],
    ['(?i)HELLO', 'say hello', true],
    ['(?i:h)ELLO', 'hELLO', true],
    ['(?i:h)ELLO', 'hello', false],
    ['^\\p{Greek}+$', 'αβγ', true],
    ['^\\pL+$', 'héllo', true],
    ['^\\x41\\x{1F600}$', 'A😀', true],
    ['^[.]$', '.', true],
    ['^\\.\\*$', '.*', true],
    ['a{,2}', 'a{,2}', true],
    ['', 'anything', true],
    ['x|', 'y', true],
  ])('%s on %j gives %s', (pattern, input, expected) => {
    expect(matches(pattern, input)).toBe(expected);
  });

  it('reports RE2 syntax errors', () => {
    expect(failure("'a' matches '(a'")).toBe(
      "error evaluating expression: 'a' matches '(a': error parsing regexp: missing closing ): `(a`",
    );
    expect(failure("'a' matches '[a'")).toBe(
      "error evaluating expression: 'a' matches '[a': error parsing regexp: missing closing ]: `[a`",
    );
    expect(failure("'a' matches '*a'")).toBe(
      "error evaluating expression: 'a' matches '*a': error parsing regexp: missing argument to repetition operator: `*`",
    );
    expect(failure("'a' matches 'a**'")).toBe(
      "error evaluating expression: 'a' matches 'a**': error parsing regexp: invalid nested repetition operator: `a**`",
    );
    expect(failure("'a' matches 'a{1001}'")).toBe(
      "error evaluating expression: 'a' matches 'a{1001}': error parsing regexp: invalid repeat count: `{1001}`",
    );
  });

  it('refuses back-references and look-around, as RE2 does', () => {
    expect(failure("'aa' matches '(a)\\\\1'")).toBe(
      "error evaluating expression: 'aa' matches '(a)\\\\1': error parsing regexp: invalid escape sequence: `\\1`",
    );
    expect(failure("'a' matches 'a(?=b)'")).toBe(
      "error evaluating expression: 'a' matches 'a(?=b)': error parsing regexp: invalid or unsupported Perl syntax: `(?=`",
    );
  });

  it('matches catastrophic backtracking patterns in linear time', () => {
    const input = `${'a'.repeat(5000)}!`;
    expect(matches('^(a+)+$', input)).toBe(false);
    expect(matches('^(a|aa)*$', input)).toBe(false);
    expect(matches('(\\w*)*x', input)).toBe(false);
  });

  it('charges scanned input to the budget', () => {
    const budget = new Budget(1000);
    expect(() => regexMatches('b', 'a'.repeat(10_000), budget)).toThrow(RuntimeFault);
  });

  it('refuses programs that are too large', () => {
    expect(() => matches('((a{1000}){1000})', 'a')).toThrow('error parsing regexp: expression too large');
  });
});
