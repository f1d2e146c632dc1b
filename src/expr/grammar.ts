/** Operator binding strengths and the argument shapes of predicate built-ins (expr-lang v1.17). */

export interface Operator {
  precedence: number;
  right?: boolean;
}

export const UNARY: Record<string, number> = { not: 50, '!': 50, '-': 90, '+': 90 };

export const BINARY: Record<string, Operator> = {
  '|': { precedence: 0 },
  or: { precedence: 10 },
  '||': { precedence: 10 },
  and: { precedence: 15 },
  '&&': { precedence: 15 },
  '==': { precedence: 20 },
  '!=': { precedence: 20 },
  '<': { precedence: 20 },
  '>': { precedence: 20 },
  '>=': { precedence: 20 },
  '<=': { precedence: 20 },
  in: { precedence: 20 },
  matches: { precedence: 20 },
  contains: { precedence: 20 },
  startsWith: { precedence: 20 },
  endsWith: { precedence: 20 },
  '..': { precedence: 25 },
  '+': { precedence: 30 },
  '-': { precedence: 30 },
  '*': { precedence: 60 },
  '/': { precedence: 60 },
  '%': { precedence: 60 },
  '**': { precedence: 100, right: true },
  '^': { precedence: 100, right: true },
  '??': { precedence: 500 },
};

export const NEGATABLE = new Set(['in', 'matches', 'contains', 'startsWith', 'endsWith']);
export const CHAINED = new Set(['<', '>', '<=', '>=']);

export type ArgSpec = 'expr' | 'predicate' | 'optional-predicate' | 'optional-expr';

/** Built-ins whose arguments include a predicate (a closure over `#`). */
export const PREDICATE_ARGS: Record<string, ArgSpec[]> = {
  all: ['expr', 'predicate'],
  none: ['expr', 'predicate'],
  any: ['expr', 'predicate'],
  one: ['expr', 'predicate'],
  filter: ['expr', 'predicate'],
  map: ['expr', 'predicate'],
  count: ['expr', 'optional-predicate'],
  sum: ['expr', 'optional-predicate'],
  find: ['expr', 'predicate'],
  findIndex: ['expr', 'predicate'],
  findLast: ['expr', 'predicate'],
  findLastIndex: ['expr', 'predicate'],
  groupBy: ['expr', 'predicate'],
  sortBy: ['expr', 'predicate', 'optional-expr'],
  reduce: ['expr', 'predicate', 'optional-expr'],
};

/** The value of a number token (expr-lang's rules), or the message for a bad one. */
export function numberLiteral(
  token: string,
): { kind: 'int'; value: bigint } | { kind: 'float'; value: number } | string {
  const text = token.replace(/_/g, '');
  const lower = text.toLowerCase();
  const isRadix = /^0[xob]/.test(lower);
  if (!isRadix && /[.e]/.test(lower)) {
    const value = Number(text);
    if (Number.isNaN(value)) return `invalid float literal: ${JSON.stringify(token)}`;
    if (!Number.isFinite(value)) return 'float literal is too large';
    return { kind: 'float', value };
  }
  const digits = isRadix ? text.slice(2) : text;
  if (digits === '') return `invalid integer literal: ${JSON.stringify(token)}`;
  const value = BigInt(isRadix ? text.slice(0, 2).toLowerCase() + digits : digits);
  if (value > (1n << 63n) - 1n) return 'integer literal is too large';
  return { kind: 'int', value };
}
