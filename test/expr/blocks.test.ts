import { describe, expect, it } from 'vitest';
import { findBlocks } from '../../src/expr/blocks.js';

const expressions = (text: string) => findBlocks(text).map((b) => b.expression);

/** Tork's block pattern with RE2's `\s`, run by JavaScript: the reference for small inputs. */
const TORK_PATTERN = /\{\{[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*\}\}/g;

describe('findBlocks', () => {
  it.each([
    ['{{ a }}', ['a']],
    ['x {{a}} y {{  b + 1  }} z', ['a', 'b + 1']],
    ['{{ }}', [' ']],
    ['{{ }}}', ['}']],
    ['{{{ a }}', ['{ a']],
    ['{{ a }}}}', ['a']],
    ['{{ a\n }}', ['a']],
    ['{{\n a }}', ['a']],
    ['{{ a\nb }}', []],
    ['{{}}', []],
    ['{ a }}', []],
    ['plain text', []],
  ])('finds the blocks of %j', (text, expected) => {
    expect(expressions(text)).toEqual(expected);
  });

  it('reports where each block starts and ends', () => {
    expect(findBlocks('ab {{ x }} cd')).toEqual([{ start: 3, end: 10, expression: 'x' }]);
  });

  it('stops after the requested number of blocks', () => {
    expect(findBlocks('{{ a }}{{ b }}', 1)).toHaveLength(1);
  });

  it('finds the same blocks as Tork pattern on generated text', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const alphabet = ['{', '}', ' ', '\n', 'a', '\t'];
    for (let n = 0; n < 20_000; n++) {
      let text = '';
      const length = Math.floor(random() * 24);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      const expected = [...text.matchAll(TORK_PATTERN)].map((m) => ({
        start: m.index,
        end: m.index + m[0].length,
        expression: m[1],
      }));
      expect(findBlocks(text), JSON.stringify(text)).toEqual(expected);
    }
  });

  it('handles text that makes a backtracking pattern quadratic', () => {
    expect(findBlocks(`{{ a${' '.repeat(1_000_000)}b`)).toEqual([]);
    expect(findBlocks('{{'.repeat(500_000))).toEqual([]);
    expect(expressions(`${'{{ a\n'.repeat(200_000)}}}`)).toEqual(['a']);
  });
});
