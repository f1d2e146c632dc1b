/** The RE2 pattern syntax, parsed into a tree for the matcher in regex.ts. */
import { RuntimeFault } from './errors.js';

export type Test = (c: number) => boolean;
export type AssertKind = 'bol' | 'eol' | 'bot' | 'eot' | 'word' | 'notword';

export type RNode =
  | { t: 'char'; test: Test }
  | { t: 'cat'; items: RNode[] }
  | { t: 'alt'; items: RNode[] }
  | { t: 'repeat'; node: RNode; min: number; max: number }
  | { t: 'assert'; kind: AssertKind };

const MAX_REPEAT = 1000;

interface Flags {
  i: boolean;
  s: boolean;
  m: boolean;
}

export const isWordChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isSpace = (c: number) => c === 9 || c === 10 || c === 12 || c === 13 || c === 32;

const POSIX: Record<string, Test> = {
  alnum: (c) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  alpha: (c) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  ascii: (c) => c <= 0x7f,
  blank: (c) => c === 9 || c === 32,
  cntrl: (c) => c < 32 || c === 127,
  digit: isDigit,
  graph: (c) => c >= 33 && c <= 126,
  lower: (c) => c >= 97 && c <= 122,
  print: (c) => c >= 32 && c <= 126,
  punct: (c) => (c >= 33 && c <= 126 && !isWordChar(c)) || c === 95,
  space: (c) => isSpace(c) || c === 11,
  upper: (c) => c >= 65 && c <= 90,
  word: isWordChar,
  xdigit: (c) => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102),
};

const not =
  (test: Test): Test =>
  (c) =>
    !test(c);

function foldCase(test: Test): Test {
  return (c) => {
    if (test(c)) return true;
    const s = String.fromCodePoint(c);
    for (const other of [s.toLowerCase(), s.toUpperCase()]) {
      const code = other.codePointAt(0)!;
      if (other.length === s.length && code !== c && test(code)) return true;
    }
    return false;
  };
}

export class RegexParser {
  private i = 0;
  private flags: Flags = { i: false, s: false, m: false };
  private readonly chars: number[];

  constructor(private readonly pattern: string) {
    this.chars = Array.from(pattern, (ch) => ch.codePointAt(0)!);
  }

  private fail(reason: string, text: string): never {
    throw new RuntimeFault(`error parsing regexp: ${reason}: \`${text}\``);
  }

  private peek(offset = 0): string {
    const c = this.chars[this.i + offset];
    return c === undefined ? '' : String.fromCodePoint(c);
  }

  private rest(): string {
    return String.fromCodePoint(...this.chars.slice(this.i));
  }

  parse(): RNode {
    const node = this.parseAlt();
    if (this.i < this.chars.length) this.fail('unexpected )', this.pattern);
    return node;
  }

  private parseAlt(): RNode {
    const items = [this.parseConcat()];
    while (this.peek() === '|') {
      this.i++;
      items.push(this.parseConcat());
    }
    return items.length === 1 ? items[0]! : { t: 'alt', items };
  }

  private parseConcat(): RNode {
    const items: RNode[] = [];
    while (this.i < this.chars.length && this.peek() !== '|' && this.peek() !== ')') {
      const start = this.i;
      const q = this.peek();
      if (q === '*' || q === '+' || q === '?') this.fail('missing argument to repetition operator', q);
      let atom = this.parseAtom();
      let repeated = false;
      for (let rep = this.parseRepeat(); rep; rep = this.parseRepeat()) {
        if (repeated)
          this.fail(
            'invalid nested repetition operator',
            String.fromCodePoint(...this.chars.slice(start, this.i)),
          );
        repeated = true;
        atom = { t: 'repeat', node: atom, min: rep[0], max: rep[1] };
        if (this.peek() === '?') this.i++;
      }
      items.push(atom);
    }
    return items.length === 1 ? items[0]! : { t: 'cat', items };
  }

  /** A repetition operator at the cursor: `[min, max]`, consumed; undefined if none. */
  private parseRepeat(): [number, number] | undefined {
    const c = this.peek();
    if (c === '*') return (this.i++, [0, Infinity]);
    if (c === '+') return (this.i++, [1, Infinity]);
    if (c === '?') return (this.i++, [0, 1]);
    if (c !== '{') return undefined;
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.rest());
    if (!m) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    if (min > MAX_REPEAT || (max !== Infinity && (max > MAX_REPEAT || max < min)))
      this.fail('invalid repeat count', m[0]);
    this.i += m[0].length;
    return [min, max];
  }

  private literal(c: number): { t: 'char'; test: Test } {
    const test: Test = (x) => x === c;
    return { t: 'char', test: this.flags.i ? foldCase(test) : test };
  }

  private parseAtom(): RNode {
    const c = this.peek();
    this.i++;
    switch (c) {
      case '(':
        return this.parseGroup();
      case '[':
        return this.parseClass();
      case '.':
        return { t: 'char', test: this.flags.s ? () => true : (x) => x !== 10 };
      case '^':
        return { t: 'assert', kind: this.flags.m ? 'bol' : 'bot' };
      case '$':
        return { t: 'assert', kind: this.flags.m ? 'eol' : 'eot' };
      case '\\':
        return this.parseEscape(false);
      default:
        return this.literal(c.codePointAt(0)!);
    }
  }

  private parseGroup(): RNode {
    const saved = { ...this.flags };
    if (this.peek() === '?') {
      const m = /^\?(?:P?<[A-Za-z_]\w*>|([imsU]*)(?:-([imsU]*))?(:|\)))/.exec(this.rest());
      if (!m) this.fail('invalid or unsupported Perl syntax', `(${this.rest().slice(0, 2)}`);
      this.i += m[0].length;
      if (m[3] !== undefined) {
        for (const f of m[1] ?? '') if (f !== 'U') this.flags[f as keyof Flags] = true;
        for (const f of m[2] ?? '') if (f !== 'U') this.flags[f as keyof Flags] = false;
        // `(?i)` changes the flags for the rest of the enclosing group.
        if (m[3] === ')') return { t: 'cat', items: [] };
      }
    }
    const node = this.parseAlt();
    if (this.peek() !== ')') this.fail('missing closing )', this.pattern);
    this.i++;
    this.flags = saved;
    return node;
  }

  private parseClass(): RNode {
    const start = this.i - 1;
    const negate = this.peek() === '^';
    if (negate) this.i++;
    const tests: Test[] = [];
    let first = true;
    while (this.peek() !== ']' || first) {
      if (this.i >= this.chars.length)
        this.fail('missing closing ]', String.fromCodePoint(...this.chars.slice(start)));
      first = false;
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.rest());
      if (posix) {
        const test = POSIX[posix[2]!];
        if (!test) this.fail('invalid character class range', posix[0]);
        tests.push(posix[1] ? not(test) : test);
        this.i += posix[0].length;
        continue;
      }
      const lo = this.classChar(tests);
      if (lo === undefined) continue;
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== '') {
        this.i++;
        const hi = this.classChar(tests);
        if (hi === undefined || hi < lo)
          this.fail('invalid character class range', String.fromCodePoint(lo) + '-');
        tests.push((x) => x >= lo && x <= hi);
      } else {
        tests.push((x) => x === lo);
      }
    }
    this.i++;
    let test: Test = (x) => tests.some((t) => t(x));
    if (this.flags.i) test = foldCase(test);
    return { t: 'char', test: negate ? not(test) : test };
  }

  /** One class member: a code point, or undefined after pushing a class escape such as `\d`. */
  private classChar(tests: Test[]): number | undefined {
    const c = this.peek();
    this.i++;
    if (c !== '\\') return c.codePointAt(0)!;
    const node = this.parseEscape(true);
    if ('code' in node && typeof node.code === 'number') return node.code;
    if (node.t === 'char') tests.push(node.test);
    return undefined;
  }

  /** The escape after a backslash. In a class, single characters come back with their `code`. */
  private parseEscape(inClass: boolean): RNode {
    const c = this.peek();
    this.i++;
    const char = (code: number): RNode => Object.assign(this.literal(code), { code });
    const classes: Record<string, Test> = { d: isDigit, w: isWordChar, s: isSpace };
    const lower = c.toLowerCase();
    if (lower in classes && (c === lower || c.toUpperCase() === c)) {
      const test = classes[lower]!;
      return { t: 'char', test: c === lower ? test : not(test) };
    }
    const simple: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11, a: 7 };
    if (c in simple) return char(simple[c]!);
    if (!inClass && (c === 'b' || c === 'B')) return { t: 'assert', kind: c === 'b' ? 'word' : 'notword' };
    if (!inClass && (c === 'A' || c === 'z')) return { t: 'assert', kind: c === 'A' ? 'bot' : 'eot' };
    if (c === 'x') {
      const m = /^(?:\{([0-9a-fA-F]{1,6})\}|([0-9a-fA-F]{2}))/.exec(this.rest());
      if (!m) this.fail('invalid escape sequence', `\\x${this.rest().slice(0, 2)}`);
      this.i += m[0].length;
      return char(parseInt(m[1] ?? m[2]!, 16));
    }
    if (c === 'p' || c === 'P') return this.parseUnicodeClass(c === 'P');
    if (c !== '' && /[^\p{L}\p{N}]/u.test(c) && c.codePointAt(0)! < 128) return char(c.codePointAt(0)!);
    this.fail('invalid escape sequence', `\\${c}`);
  }

  private parseUnicodeClass(negate: boolean): RNode {
    const m = /^(?:\{(\^?)([A-Za-z_]+)\}|([A-Za-z]))/.exec(this.rest());
    if (!m) this.fail('invalid character class range', `\\p${this.rest().slice(0, 1)}`);
    this.i += m[0].length;
    const name = m[2] ?? m[3]!;
    let re: RegExp | undefined;
    for (const form of [name, `Script=${name}`]) {
      try {
        re = new RegExp(`^\\p{${form}}$`, 'u');
        break;
      } catch {
        // try the next spelling
      }
    }
    if (!re) this.fail('invalid character class range', `\\p{${name}}`);
    const matcher = re;
    const test: Test = (x) => matcher.test(String.fromCodePoint(x));
    return { t: 'char', test: negate !== (m[1] === '^') ? not(test) : test };
  }
}
