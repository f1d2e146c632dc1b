/** Unary and binary operators with expr-lang's typing (vm/runtime helpers). */
import { checkedString, LIMITS, textCost, type Budget } from './budget.js';
import { RuntimeFault } from './errors.js';
import { regexMatches } from './regex.js';
import { GoTime } from './time.js';
import { GoDuration } from './time-duration.js';
import {
  compare,
  equal,
  hasOwn,
  intValue,
  isMap,
  isNil,
  isNumber,
  toFloat,
  typeName,
  wrapInt,
} from './values.js';

function invalid(a: unknown, op: string, b: unknown): RuntimeFault {
  return new RuntimeFault(`invalid operation: ${typeName(a)} ${op} ${typeName(b)}`);
}

/** Integers when both are integers, otherwise floats (undefined for non-numbers). */
function numbers(a: unknown, b: unknown): [bigint, bigint] | [number, number] | undefined {
  const ia = intValue(a);
  const ib = intValue(b);
  if (ia !== undefined && ib !== undefined) return [ia, ib];
  if (isNumber(a) && isNumber(b)) return [toFloat(a)!, toFloat(b)!];
  return undefined;
}

function add(a: unknown, b: unknown): unknown {
  const n = numbers(a, b);
  if (n) return typeof n[0] === 'bigint' ? wrapInt(n[0] + (n[1] as bigint)) : n[0] + (n[1] as number);
  if (typeof a === 'string' && typeof b === 'string') return checkedString(a + b);
  if (a instanceof GoTime && b instanceof GoDuration) return a.add(b);
  if (a instanceof GoDuration && b instanceof GoTime) return b.add(a);
  if (a instanceof GoDuration && b instanceof GoDuration) return new GoDuration(wrapInt(a.ns + b.ns));
  throw invalid(a, '+', b);
}

function subtract(a: unknown, b: unknown): unknown {
  const n = numbers(a, b);
  if (n) return typeof n[0] === 'bigint' ? wrapInt(n[0] - (n[1] as bigint)) : n[0] - (n[1] as number);
  if (a instanceof GoTime && b instanceof GoTime) return a.sub(b);
  if (a instanceof GoTime && b instanceof GoDuration) return a.add(new GoDuration(-b.ns));
  if (a instanceof GoDuration && b instanceof GoDuration) return new GoDuration(wrapInt(a.ns - b.ns));
  throw invalid(a, '-', b);
}

/** Durations take part in `*` as int64 nanoseconds; a float operand makes the result a float. */
function multiply(a: unknown, b: unknown): unknown {
  const asNumber = (v: unknown) => (v instanceof GoDuration ? v.ns : v);
  const n = numbers(asNumber(a), asNumber(b));
  if (!n) throw invalid(a, '*', b);
  if (typeof n[0] !== 'bigint') return n[0] * (n[1] as number);
  const product = wrapInt(n[0] * (n[1] as bigint));
  return a instanceof GoDuration || b instanceof GoDuration ? new GoDuration(product) : product;
}

function divide(a: unknown, b: unknown): number {
  const asFloat = (v: unknown) => (v instanceof GoDuration ? Number(v.ns) : toFloat(v));
  const x = asFloat(a);
  const y = asFloat(b);
  if (x === undefined || y === undefined) throw invalid(a, '/', b);
  return x / y;
}

function modulo(a: unknown, b: unknown): bigint {
  const x = intValue(a);
  const y = intValue(b);
  if (x === undefined || y === undefined) throw invalid(a, '%', b);
  if (y === 0n) throw new RuntimeFault('integer divide by zero');
  return wrapInt(x % y);
}

function power(a: unknown, b: unknown): number {
  const x = toFloat(a);
  const y = toFloat(b);
  if (x === undefined || y === undefined) throw invalid(a, '**', b);
  return x ** y;
}

function range(a: unknown, b: unknown, budget: Budget): bigint[] {
  const from = intValue(a);
  const to = intValue(b);
  if (from === undefined || to === undefined) throw invalid(a, '..', b);
  const size = to - from + 1n;
  if (size <= 0n) return [];
  if (size > BigInt(LIMITS.sequenceItems)) {
    throw new RuntimeFault(`range of ${size} items exceeds the limit of ${LIMITS.sequenceItems}`);
  }
  budget.charge(Number(size));
  return Array.from({ length: Number(size) }, (_, i) => from + BigInt(i));
}

function isIn(needle: unknown, haystack: unknown, budget: Budget): boolean {
  if (isNil(haystack)) return false;
  if (Array.isArray(haystack)) {
    budget.charge(haystack.length * (1 + textCost(needle)));
    return haystack.some((item) => equal(item, needle));
  }
  if (isMap(haystack)) {
    if (typeof needle !== 'string') return false;
    return hasOwn(haystack, needle);
  }
  throw new RuntimeFault(`operator "in" not defined on ${typeName(haystack)}`);
}

function strings(a: unknown, op: string, b: unknown): [string, string] {
  if (typeof a !== 'string' || typeof b !== 'string') throw invalid(a, op, b);
  return [a, b];
}

/** Apply a binary operator to two evaluated operands (not `and`/`or`/`??`, which short-circuit). */
export function binaryOperator(op: string, a: unknown, b: unknown, budget: Budget): unknown {
  budget.charge(textCost(a, b));
  switch (op) {
    case '+':
      return add(a, b);
    case '-':
      return subtract(a, b);
    case '*':
      return multiply(a, b);
    case '/':
      return divide(a, b);
    case '%':
      return modulo(a, b);
    case '**':
    case '^':
      return power(a, b);
    case '==':
      return equal(a, b);
    case '!=':
      return !equal(a, b);
    case '<':
      return compare(a, b, op) < 0;
    case '>':
      return compare(a, b, op) > 0;
    case '<=':
      return compare(a, b, op) <= 0;
    case '>=':
      return compare(a, b, op) >= 0;
    case '..':
      return range(a, b, budget);
    case 'in':
      return isIn(a, b, budget);
    case 'contains': {
      const [s, sub] = strings(a, op, b);
      return s.includes(sub);
    }
    case 'startsWith': {
      const [s, prefix] = strings(a, op, b);
      return s.startsWith(prefix);
    }
    case 'endsWith': {
      const [s, suffix] = strings(a, op, b);
      return s.endsWith(suffix);
    }
    case 'matches': {
      const [s, pattern] = strings(a, op, b);
      return regexMatches(pattern, s, budget);
    }
  }
  throw new RuntimeFault(`unknown operator ${op}`);
}

/** `-x`, `+x`, `not x`, `!x`. */
export function unaryOperator(op: string, v: unknown): unknown {
  if (op === 'not' || op === '!') {
    if (typeof v !== 'boolean') throw new RuntimeFault(`invalid operation: ${op} ${typeName(v)}`);
    return !v;
  }
  const i = intValue(v);
  if (i !== undefined) return op === '-' ? wrapInt(-i) : i;
  if (typeof v === 'number') return op === '-' ? -v : v;
  throw new RuntimeFault(`invalid operation: ${op} ${typeName(v)}`);
}
