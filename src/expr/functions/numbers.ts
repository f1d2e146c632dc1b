/** Number, conversion and bitwise built-ins, plus Tork's `randomInt` and `sequence`. */
import { randomInt as cryptoRandomInt, getRandomValues } from 'node:crypto';
import { LIMITS } from '../budget.js';
import { RuntimeFault } from '../errors.js';
import { printValue } from '../format.js';
import { GoTime, Location, NamedInt } from '../time.js';
import { GoDuration } from '../time-duration.js';
import {
  floatToInt,
  fromHost,
  intValue,
  isMap,
  isNil,
  MAX_INT64,
  MIN_INT64,
  typeName,
  wrapInt,
} from '../values.js';
import { intArg } from './args.js';
import { fn, type BuiltinFunction } from './types.js';

function toInt(v: unknown): bigint {
  const i = intValue(v);
  if (i !== undefined) return i;
  if (typeof v === 'number') return floatToInt(v);
  if (v instanceof GoDuration) return v.ns;
  if (typeof v === 'string') {
    if (/^[+-]?\d+$/.test(v)) {
      const n = BigInt(v);
      if (n >= MIN_INT64 && n <= MAX_INT64) return n;
    }
    throw new RuntimeFault(`cannot convert ${JSON.stringify(v)} to int`);
  }
  throw new RuntimeFault(`cannot convert ${typeName(v)} to int`);
}

const FLOAT_TEXT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;

function toFloat64(v: unknown): number {
  if (typeof v === 'number') return v;
  const i = intValue(v);
  if (i !== undefined) return Number(i);
  if (v instanceof GoDuration) return Number(v.ns);
  if (typeof v === 'string' && FLOAT_TEXT.test(v)) {
    const word = v.replace(/^[+-]/, '').toLowerCase();
    if (word === 'nan') return NaN;
    if (word.startsWith('inf')) return v.startsWith('-') ? -Infinity : Infinity;
    const f = Number(v);
    if (Number.isFinite(f)) return f;
  }
  if (typeof v === 'string') throw new RuntimeFault(`cannot convert ${JSON.stringify(v)} to float`);
  throw new RuntimeFault(`cannot convert ${typeName(v)} to float`);
}

/** The name `type()` gives a value. */
function typeOf(v: unknown): string {
  if (isNil(v)) return 'nil';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
  }
  if (Array.isArray(v)) return 'array';
  if (isMap(v)) return 'map';
  if (v instanceof GoTime) return 'time.Time';
  if (v instanceof GoDuration) return 'time.Duration';
  if (v instanceof Location) return 'time.Location';
  if (v instanceof NamedInt) return v.typeName;
  return 'unknown';
}

function rounding(name: string, op: (f: number) => number): BuiltinFunction {
  return fn(1, 1, (a) => {
    const v = a[0];
    const i = intValue(v);
    if (i !== undefined) return Number(i);
    if (typeof v === 'number') return op(v);
    throw new RuntimeFault(`invalid argument for ${name} (type ${typeName(v)})`);
  });
}

function bitwise(name: string, op: (x: bigint, y: bigint) => bigint, shift = false): BuiltinFunction {
  return fn(2, 2, (a) => {
    const x = intArg(name, a, 0);
    const y = intArg(name, a, 1);
    if (shift && y < 0n) throw new RuntimeFault(`invalid operation: negative shift count ${y} (type int)`);
    return wrapInt(op(x, y));
  });
}

function randomInt(args: unknown[]): bigint {
  if (args.length === 0) return getRandomValues(new BigUint64Array(1))[0]! >> 1n;
  const v = args[0];
  if (isNil(v)) throw new RuntimeFault('not expecting nil argument');
  const n = intValue(v);
  if (n === undefined) throw new RuntimeFault(`invalid arg type ${typeName(v)}`);
  if (n <= 0n) throw new RuntimeFault('invalid argument to Intn');
  if (n <= 2n ** 48n) return BigInt(cryptoRandomInt(Number(n)));
  return (getRandomValues(new BigUint64Array(1))[0]! >> 1n) % n;
}

function sequence(args: unknown[]): bigint[] {
  const [start, stop] = args.map((v) => {
    const i = intValue(v);
    if (i === undefined) throw new RuntimeFault(`invalid arg type ${typeName(v)}`);
    return i;
  }) as [bigint, bigint];
  if (start >= stop) return [];
  const size = stop - start;
  if (size > BigInt(LIMITS.sequenceItems)) {
    throw new RuntimeFault(`sequence of ${size} items exceeds the limit of ${LIMITS.sequenceItems}`);
  }
  return Array.from({ length: Number(size) }, (_, k) => start + BigInt(k));
}

export const NUMBER_FUNCTIONS: Record<string, BuiltinFunction> = {
  abs: fn(1, 1, (a) => {
    const v = a[0];
    const i = intValue(v);
    if (i !== undefined) return wrapInt(i < 0n ? -i : i);
    if (typeof v === 'number') return Math.abs(v);
    throw new RuntimeFault(`invalid argument for abs (type ${typeName(v)})`);
  }),
  ceil: rounding('ceil', Math.ceil),
  floor: rounding('floor', Math.floor),
  round: rounding('round', (f) => Math.sign(f) * Math.round(Math.abs(f))),
  int: fn(1, 1, (a) => toInt(fromHost(a[0]))),
  float: fn(1, 1, (a) => toFloat64(fromHost(a[0]))),
  string: fn(1, 1, (a, rt) => printValue(a[0], rt.budget)),
  type: fn(1, 1, (a) => typeOf(fromHost(a[0]))),
  bitand: bitwise('bitand', (x, y) => x & y),
  bitor: bitwise('bitor', (x, y) => x | y),
  bitxor: bitwise('bitxor', (x, y) => x ^ y),
  bitnand: bitwise('bitnand', (x, y) => x & ~y),
  bitshl: bitwise('bitshl', (x, y) => (y >= 64n ? 0n : x << y), true),
  bitshr: bitwise('bitshr', (x, y) => (y >= 64n ? (x < 0n ? -1n : 0n) : x >> y), true),
  bitushr: bitwise('bitushr', (x, y) => (y >= 64n ? 0n : BigInt.asUintN(64, x) >> y), true),
  bitnot: fn(1, 1, (a) => ~intArg('bitnot', a, 0)),
  randomInt: fn(0, 1, (a) => randomInt(a)),
  sequence: fn(2, 2, (a) => sequence(a)),
};
