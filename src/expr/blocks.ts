/**
 * Finds `{{ }}` blocks exactly where Tork's pattern `{{\s*(.+?)\s*}}` (RE2, `.` not
 * matching a newline) finds them, but in linear time: the same pattern run by a
 * backtracking engine is quadratic on text such as `{{` followed by many spaces.
 */

export interface Block {
  /** Offset of the opening `{{`. */
  start: number;
  /** Offset just after the closing `}}`. */
  end: number;
  /** The text between the braces, without the surrounding white space. */
  expression: string;
}

/** RE2's `\s`. */
function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\f' || c === '\r';
}

class Scanner {
  /** Cached answer of `firstClose`: the first `}}` at or after `closeFrom` (-1: none). */
  private close = -1;
  private closeFrom = Number.POSITIVE_INFINITY;
  /** Candidates whose expression would start before this offset are known to fail. */
  private failBefore = -1;

  constructor(private readonly text: string) {}

  private firstClose(pos: number): number {
    const cached = pos >= this.closeFrom && (this.close < 0 || pos <= this.close);
    if (!cached) {
      this.close = this.text.indexOf('}}', pos);
      this.closeFrom = pos;
    }
    return this.close;
  }

  /** The block opening at `i`, `undefined` if none, or `null` when no later block can exist. */
  matchAt(i: number): Block | undefined | null {
    const text = this.text;
    let p = i + 2;
    while (p < text.length && isSpace(text[p])) p++;
    if (p < this.failBefore) return undefined;
    const r = p < text.length ? this.firstClose(p + 1) : -1;
    if (r >= 0) {
      let newline = -1;
      for (let j = p; j < r; j++) {
        if (text[j] === '\n') {
          newline = j;
          break;
        }
      }
      let j = newline;
      if (newline >= 0) while (j < r && isSpace(text[j])) j++;
      if (newline < 0 || j === r) {
        // The expression ends where the white space before `}}` begins.
        let w = r;
        while (w > p + 1 && isSpace(text[w - 1])) w--;
        return { start: i, end: r + 2, expression: text.slice(p, w) };
      }
      this.failBefore = newline;
    }
    // The only other way to match: `}}` right after the white space, which then holds the expression.
    if (text.startsWith('}}', p)) {
      for (let k = p - 1; k >= i + 2; k--) {
        if (text[k] !== '\n') return { start: i, end: p + 2, expression: text[k]! };
      }
    }
    return r < 0 ? null : undefined;
  }
}

/** The blocks of `text` in order, at most `limit` of them. */
export function findBlocks(text: string, limit = Number.POSITIVE_INFINITY): Block[] {
  const scanner = new Scanner(text);
  const blocks: Block[] = [];
  let from = 0;
  while (blocks.length < limit) {
    const i = text.indexOf('{{', from);
    if (i < 0) break;
    const block = scanner.matchAt(i);
    if (block === null) break;
    if (block) {
      blocks.push(block);
      from = block.end;
    } else {
      from = i + 1;
    }
  }
  return blocks;
}
