/** Tokens of expr-lang, following its lexer (parser/lexer/state.go). */
import { CompileFault } from './errors.js';

export type TokenKind = 'ident' | 'number' | 'string' | 'op' | 'bracket' | 'eof';

export interface Token {
  kind: TokenKind;
  value: string;
  /** UTF-16 offset of the token in the source. */
  pos: number;
}

/** Words that are operators, not identifiers. */
const KEYWORDS = new Set([
  'not',
  'in',
  'or',
  'and',
  'matches',
  'contains',
  'startsWith',
  'endsWith',
  'let',
  'if',
  'else',
]);

const IDENT_START = /[\p{L}_$]/u;
const IDENT_PART = /[\p{L}\p{Nd}_$]/u;
const SPACE = /\s/u;

function isIdentPart(c: string | undefined): boolean {
  return c !== undefined && IDENT_PART.test(c);
}

/** `U+0040 '@'`, as Go's `%#U`. */
function describeChar(c: string): string {
  const code = c.codePointAt(0)!;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')} '${c}'`;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '`': '`',
  '?': '?',
};

class Lexer {
  private pos = 0;
  readonly tokens: Token[] = [];

  constructor(private readonly src: string) {}

  private charAt(i: number): string | undefined {
    const code = this.src.codePointAt(i);
    return code === undefined ? undefined : String.fromCodePoint(code);
  }

  private fail(message: string, pos = this.pos): never {
    throw new CompileFault(message, pos);
  }

  private emit(kind: TokenKind, value: string, pos: number): void {
    this.tokens.push({ kind, value, pos });
  }

  run(): Token[] {
    const src = this.src;
    while (this.pos < src.length) {
      const start = this.pos;
      const c = this.charAt(start)!;
      if (SPACE.test(c)) {
        this.pos += c.length;
      } else if (c === '"' || c === "'") {
        this.emit('string', this.quoted(c), start);
      } else if (c === '`') {
        const end = src.indexOf('`', start + 1);
        if (end < 0) this.fail('literal not terminated', src.length);
        this.emit('string', src.slice(start + 1, end).replace(/\r\n?/g, '\n'), start);
        this.pos = end + 1;
      } else if ((c >= '0' && c <= '9') || (c === '.' && /[0-9]/.test(src[start + 1] ?? ''))) {
        this.number();
      } else if (c === '/' && (src[start + 1] === '/' || src[start + 1] === '*')) {
        this.comment();
      } else if (IDENT_START.test(c)) {
        let end = start;
        for (let ch = this.charAt(end); ch !== undefined && isIdentPart(ch); ch = this.charAt(end))
          end += ch.length;
        const word = src.slice(start, end);
        this.emit(KEYWORDS.has(word) ? 'op' : 'ident', word, start);
        this.pos = end;
      } else {
        this.operator(c, start);
      }
    }
    this.emit('eof', '', Math.max(0, src.length - 1));
    return this.tokens;
  }

  private operator(c: string, start: number): void {
    const src = this.src;
    const next = src[start + 1];
    let op: string;
    if ('([{)]}'.includes(c)) {
      this.emit('bracket', c, start);
      this.pos = start + 1;
      return;
    } else if (c === '#') {
      this.emit('op', '#', start);
      this.pos = start + 1;
      let end = this.pos;
      while (isIdentPart(src[end])) end++;
      if (end > this.pos) this.emit('ident', src.slice(this.pos, end), this.pos);
      this.pos = end;
      return;
    } else if (c === '?') {
      op = next === '.' || next === '?' ? `?${next}` : '?';
    } else if (c === '.') {
      op = next === '.' ? '..' : '.';
    } else if (c === '|' || c === ':') {
      op = next === c ? c + c : c;
    } else if (',;%+-^/'.includes(c)) {
      op = c;
    } else if ('&!=*<>'.includes(c)) {
      op = next !== undefined && '&=*'.includes(next) ? c + next : c;
    } else {
      this.fail(`unrecognized character: ${describeChar(c)}`);
    }
    this.emit('op', op, start);
    this.pos = start + op.length;
  }

  private comment(): void {
    const src = this.src;
    if (src[this.pos + 1] === '/') {
      const end = src.indexOf('\n', this.pos);
      this.pos = end < 0 ? src.length : end + 1;
      return;
    }
    const end = src.indexOf('*/', this.pos + 2);
    if (end < 0) this.fail('unclosed comment', src.length);
    this.pos = end + 2;
  }

  /** Go's `scanNumber`: the token text is checked and converted by the parser. */
  private number(): void {
    const src = this.src;
    const start = this.pos;
    let digits = /[0-9_]/;
    let i = start;
    if (src[i] === '0') {
      i++;
      const p = src[i]?.toLowerCase();
      if (p === 'x') digits = /[0-9a-fA-F_]/;
      else if (p === 'o') digits = /[0-7_]/;
      else if (p === 'b') digits = /[01_]/;
      if (p === 'x' || p === 'o' || p === 'b') i++;
    }
    while (i < src.length && digits.test(src[i]!)) i++;
    if (src[i] === '.' && src[i + 1] !== '.') {
      i++;
      while (i < src.length && digits.test(src[i]!)) i++;
    }
    if (src[i] === 'e' || src[i] === 'E') {
      i++;
      if (src[i] === '+' || src[i] === '-') i++;
      while (i < src.length && digits.test(src[i]!)) i++;
    }
    if (isIdentPart(src[i])) this.fail(`bad number syntax: ${JSON.stringify(src.slice(start, i + 1))}`, i);
    this.emit('number', src.slice(start, i), start);
    this.pos = i;
  }

  /** A quoted string with Go escapes; returns its value. */
  private quoted(quote: string): string {
    const src = this.src;
    let i = this.pos + 1;
    let out = '';
    while (true) {
      const c = src[i];
      if (c === undefined || c === '\n') this.fail('literal not terminated', i);
      if (c === quote) break;
      if (c === '\\') {
        const [text, len] = this.escape(i);
        out += text;
        i += len;
      } else {
        out += c;
        i++;
      }
    }
    this.pos = i + 1;
    return out.replace(/\r\n?/g, '\n');
  }

  /** The escape sequence at `i` (a backslash): its text and length. */
  private escape(i: number): [string, number] {
    const src = this.src;
    const e = src[i + 1] ?? '';
    if (e in SIMPLE_ESCAPES) return [SIMPLE_ESCAPES[e]!, 2];
    const width = e === 'x' || e === 'X' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (width > 0) {
      const hex = src.slice(i + 2, i + 2 + width);
      const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === width ? parseInt(hex, 16) : NaN;
      if (!(code <= 0x10ffff)) this.fail('invalid char escape', i + 1);
      return [String.fromCodePoint(code), 2 + width];
    }
    const oct = /^[0-3][0-7]{2}/.exec(src.slice(i + 1, i + 4));
    if (oct) return [String.fromCodePoint(parseInt(oct[0], 8)), 4];
    this.fail('invalid char escape', i + 1);
  }
}

/** Split an expression into tokens, ending with an `eof` token. */
export function lex(source: string): Token[] {
  return new Lexer(source).run();
}
