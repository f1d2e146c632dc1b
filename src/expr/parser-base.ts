/** Token navigation and node building shared by the parser. */
import type { Node, NodeInit } from './ast.js';
import { children } from './ast.js';
import { LIMITS } from './budget.js';
import { CompileFault } from './errors.js';
import type { Token, TokenKind } from './lexer.js';

export function describe(token: Token): string {
  return token.kind === 'eof'
    ? 'unexpected end of expression'
    : `unexpected token ${JSON.stringify(token.value)}`;
}

export class TokenCursor {
  protected index = 0;
  protected current: Token;

  constructor(protected readonly tokens: Token[]) {
    this.current = tokens[0]!;
  }

  protected fail(message: string, token: Token = this.current): never {
    throw new CompileFault(message, token.pos);
  }

  protected next(): void {
    this.index++;
    const token = this.tokens[this.index];
    if (!token) this.fail('unexpected end of expression');
    this.current = token;
  }

  protected is(kind: TokenKind, value?: string): boolean {
    return this.current.kind === kind && (value === undefined || this.current.value === value);
  }

  protected expect(kind: TokenKind, value?: string): Token {
    const token = this.current;
    if (!this.is(kind, value)) this.fail(describe(token));
    this.next();
    return token;
  }

  /** Build a node, refusing trees too deep to walk safely. */
  protected node(init: NodeInit): Node {
    const depth = 1 + Math.max(0, ...children(init as Node).map((c) => c.depth));
    if (depth > LIMITS.depth) this.fail('expression is nested too deeply', this.current);
    return { ...init, depth } as Node;
  }
}
