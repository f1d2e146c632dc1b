/**
 * A Pratt parser for expr-lang v1.17 (parser/parser.go): binding strengths, `not in`-style
 * negated operators, chained `<`, pipes, predicates, `let`, `if`/`else`, `?.` chains.
 */
import type { Node } from './ast.js';
import { LIMITS } from './budget.js';
import { BINARY, CHAINED, NEGATABLE, numberLiteral, PREDICATE_ARGS, UNARY } from './grammar.js';
import { lex, type Token } from './lexer.js';
import { describe, TokenCursor } from './parser-base.js';

class Parser extends TokenCursor {
  /** Predicate nesting: `#` and `.Field` are legal only inside one. */
  private predicateDepth = 0;
  private nesting = 0;

  parseAll(): Node {
    const node = this.parseSequence();
    if (!this.is('eof')) this.fail(describe(this.current));
    return node;
  }

  private parseSequence(): Node {
    const nodes = [this.parseExpression(0)];
    while (this.is('op', ';')) {
      this.next();
      if (this.is('eof')) break;
      nodes.push(this.parseExpression(0));
    }
    return nodes.length === 1 ? nodes[0]! : this.node({ kind: 'sequence', nodes, pos: nodes[0]!.pos });
  }

  private parseExpression(precedence: number): Node {
    if (++this.nesting > LIMITS.depth) this.fail('expression is nested too deeply');
    try {
      if (precedence === 0 && this.is('op', 'let')) return this.parseLet();
      if (precedence === 0 && this.is('op', 'if')) return this.parseIf();
      const left = this.parseBinary(this.parsePrimary(), precedence);
      return precedence === 0 ? this.parseConditional(left) : left;
    } finally {
      this.nesting--;
    }
  }

  private parseBinary(first: Node, precedence: number): Node {
    let left = first;
    let previous = '';
    while (this.is('op')) {
      let opToken = this.current;
      let negated: Token | undefined;
      if (opToken.value === 'not') {
        const following = this.tokens[this.index + 1]!;
        if (following.kind !== 'op' || !NEGATABLE.has(following.value))
          this.fail(describe(following), following);
        if (BINARY[following.value]!.precedence < precedence) break;
        negated = opToken;
        this.next();
        opToken = this.current;
      }
      const op = BINARY[opToken.value];
      if (!op || op.precedence < precedence) break;
      this.next();
      if (opToken.value === '|') {
        const name = this.expect('ident');
        left = this.parseCall(name, [left]);
      } else {
        if (previous === '??' && opToken.value !== '??') {
          this.fail(
            `Operator (${opToken.value}) and coalesce expressions (??) cannot be mixed. Wrap either by parentheses.`,
            opToken,
          );
        }
        left = CHAINED.has(opToken.value)
          ? this.parseComparison(left, opToken, op.precedence)
          : this.node({
              kind: 'binary',
              op: opToken.value,
              left,
              right: this.parseExpression(op.right ? op.precedence : op.precedence + 1),
              pos: opToken.pos,
            });
        if (negated) left = this.node({ kind: 'unary', op: 'not', operand: left, pos: negated.pos });
      }
      previous = opToken.value;
    }
    return left;
  }

  /** `a < b < c` means `a < b && b < c`. */
  private parseComparison(first: Node, firstOp: Token, precedence: number): Node {
    let left = first;
    let opToken = firstOp;
    let root: Node | undefined;
    while (true) {
      const right = this.parseExpression(precedence + 1);
      const cmp = this.node({ kind: 'binary', op: opToken.value, left, right, pos: opToken.pos });
      root = root ? this.node({ kind: 'binary', op: '&&', left: root, right: cmp, pos: opToken.pos }) : cmp;
      left = right;
      if (!(this.is('op') && CHAINED.has(this.current.value))) return root;
      opToken = this.current;
      this.next();
    }
  }

  private parseLet(): Node {
    this.expect('op', 'let');
    const name = this.expect('ident');
    this.expect('op', '=');
    const value = this.parseExpression(0);
    this.expect('op', ';');
    const body = this.parseSequence();
    return this.node({ kind: 'let', name: name.value, value, body, pos: name.pos });
  }

  private parseIf(): Node {
    const start = this.current;
    this.next();
    const cond = this.parseExpression(0);
    this.expect('bracket', '{');
    const then = this.parseSequence();
    this.expect('bracket', '}');
    this.expect('op', 'else');
    let otherwise: Node;
    if (this.is('op', 'if')) {
      otherwise = this.parseIf();
    } else {
      this.expect('bracket', '{');
      otherwise = this.parseSequence();
      this.expect('bracket', '}');
    }
    return this.node({ kind: 'conditional', cond, then, otherwise, pos: start.pos });
  }

  /** `c ? a : b` and `a ?: b` (which is `a ? a : b`). */
  private parseConditional(first: Node): Node {
    let node = first;
    while (this.is('op', '?')) {
      const pos = this.current.pos;
      this.next();
      let then: Node;
      if (this.is('op', ':')) {
        this.next();
        then = node;
      } else {
        then = this.parseExpression(0);
        this.expect('op', ':');
      }
      const otherwise = this.parseExpression(0);
      node = this.node({ kind: 'conditional', cond: node, then, otherwise, pos });
    }
    return node;
  }

  private parsePrimary(): Node {
    const token = this.current;
    if (token.kind === 'op' && token.value in UNARY) {
      this.next();
      const operand = this.parseExpression(UNARY[token.value]!);
      return this.parsePostfix(this.node({ kind: 'unary', op: token.value, operand, pos: token.pos }));
    }
    if (this.is('bracket', '(')) {
      this.next();
      const inner = this.parseSequence();
      this.expect('bracket', ')');
      return this.parsePostfix(inner);
    }
    if (this.is('op', '#') || this.is('op', '.')) {
      if (this.predicateDepth === 0) this.fail('cannot use pointer accessor outside predicate');
      let name = '';
      if (this.is('op', '#')) {
        this.next();
        if (this.is('ident')) {
          name = this.current.value;
          this.next();
        }
      }
      return this.parsePostfix(this.node({ kind: 'pointer', name, pos: token.pos }));
    }
    return this.parsePostfix(this.parseSecondary());
  }

  private parseSecondary(): Node {
    const token = this.current;
    switch (token.kind) {
      case 'ident':
        this.next();
        if (token.value === 'true' || token.value === 'false') {
          return this.node({ kind: 'bool', value: token.value === 'true', pos: token.pos });
        }
        if (token.value === 'nil') return this.node({ kind: 'nil', pos: token.pos });
        if (this.is('bracket', '(')) return this.parseCall(token, []);
        return this.node({ kind: 'ident', name: token.value, pos: token.pos });
      case 'number':
        this.next();
        return this.parseNumber(token);
      case 'string':
        this.next();
        return this.node({ kind: 'string', value: token.value, pos: token.pos });
      default:
        if (this.is('bracket', '[')) return this.parseArray();
        if (this.is('bracket', '{')) return this.parseMap();
        this.fail(describe(token));
    }
  }

  private parseNumber(token: Token): Node {
    const literal = numberLiteral(token.value);
    if (typeof literal === 'string') this.fail(literal, token);
    return this.node({ ...literal, pos: token.pos });
  }

  private parseCall(name: Token, leading: Node[]): Node {
    const specs = PREDICATE_ARGS[name.value];
    if (!specs) {
      const args = this.parseArguments(leading);
      return this.node({ kind: 'call', name: name.value, args, pos: name.pos });
    }
    this.expect('bracket', '(');
    const args = [...leading];
    const rest = specs.slice(leading.length);
    for (const [i, spec] of rest.entries()) {
      if (this.is('bracket', ')')) {
        if (spec.startsWith('optional')) break;
        this.fail(`expected at least ${rest.length} arguments`);
      }
      if (i > 0) this.expect('op', ',');
      args.push(spec.endsWith('predicate') ? this.parsePredicate() : this.parseExpression(0));
    }
    if (this.is('op', ',')) this.next();
    this.expect('bracket', ')');
    return this.node({ kind: 'call', name: name.value, args, pos: name.pos });
  }

  private parseArguments(leading: Node[]): Node[] {
    const args = [...leading];
    this.expect('bracket', '(');
    while (!this.is('bracket', ')')) {
      if (args.length > leading.length) this.expect('op', ',');
      if (this.is('bracket', ')')) break;
      args.push(this.parseExpression(0));
    }
    this.expect('bracket', ')');
    return args;
  }

  private parsePredicate(): Node {
    const start = this.current;
    const braces = this.is('bracket', '{');
    if (braces) this.next();
    this.predicateDepth++;
    const body = braces ? this.parseSequence() : this.parseExpression(0);
    if (!braces && this.is('op', ';')) this.fail('wrap predicate with brackets { and }');
    this.predicateDepth--;
    if (braces) this.expect('bracket', '}');
    return this.node({ kind: 'predicate', body, pos: start.pos });
  }

  private parseArray(): Node {
    const start = this.expect('bracket', '[');
    const items: Node[] = [];
    while (!this.is('bracket', ']')) {
      if (items.length > 0) {
        this.expect('op', ',');
        if (this.is('bracket', ']')) break;
      }
      items.push(this.parseExpression(0));
    }
    this.expect('bracket', ']');
    return this.node({ kind: 'array', items, pos: start.pos });
  }

  private parseMap(): Node {
    const start = this.expect('bracket', '{');
    const pairs: { key: Node; value: Node }[] = [];
    while (!this.is('bracket', '}')) {
      if (pairs.length > 0) {
        this.expect('op', ',');
        if (this.is('bracket', '}')) break;
      }
      let key: Node;
      const token = this.current;
      if (token.kind === 'number' || token.kind === 'string' || token.kind === 'ident') {
        key = this.node({ kind: 'string', value: token.value, pos: token.pos });
        this.next();
      } else if (this.is('bracket', '(')) {
        key = this.parseExpression(0);
      } else {
        this.fail(
          `a map key must be a quoted string, a number, a identifier, or an expression enclosed in parentheses (${describe(token)})`,
        );
      }
      this.expect('op', ':');
      pairs.push({ key, value: this.parseExpression(0) });
    }
    this.expect('bracket', '}');
    return this.node({ kind: 'map', pairs, pos: start.pos });
  }

  private parsePostfix(first: Node): Node {
    let node = first;
    while (this.is('op', '.') || this.is('op', '?.') || this.is('bracket', '[')) {
      const optional = this.is('op', '?.');
      const inChain = node.kind === 'chain';
      const object = node.kind === 'chain' ? node.node : node;
      if (this.is('bracket', '[') || (optional && this.tokens[this.index + 1]?.value === '[')) {
        if (optional) this.next();
        node = this.parseIndex(object, optional);
      } else {
        this.next();
        const property = this.current;
        const isName =
          property.kind === 'ident' || (property.kind === 'op' && /^[A-Za-z_$][\w$]*$/.test(property.value));
        if (!isName) this.fail('expected name');
        this.next();
        if (this.is('bracket', '(')) {
          const args = this.parseArguments([]);
          node = this.node({
            kind: 'method',
            object,
            name: property.value,
            args,
            optional,
            pos: property.pos,
          });
        } else {
          const key = this.node({ kind: 'string', value: property.value, pos: property.pos });
          node = this.node({ kind: 'member', object, property: key, optional, pos: property.pos });
        }
      }
      if (inChain || optional) node = this.node({ kind: 'chain', node, pos: node.pos });
    }
    return node;
  }

  /** `a[i]`, `a?.[i]`, `a[i:j]`, `a[:j]`, `a[i:]`, `a[:]`. */
  private parseIndex(object: Node, optional: boolean): Node {
    const start = this.expect('bracket', '[');
    let from: Node | undefined;
    if (!this.is('op', ':')) {
      from = this.parseExpression(0);
      if (!this.is('op', ':')) {
        this.expect('bracket', ']');
        return this.node({ kind: 'member', object, property: from, optional, pos: start.pos });
      }
    }
    this.next();
    const to = this.is('bracket', ']') ? undefined : this.parseExpression(0);
    this.expect('bracket', ']');
    return this.node({ kind: 'slice', object, from, to, pos: start.pos });
  }
}

/** Parse an expression into a tree; throws `CompileFault` with the position of the problem. */
export function parse(source: string): Node {
  return new Parser(lex(source)).parseAll();
}
