/**
 * The value model of the expression language, chosen so Go's printing can be reproduced:
 *
 * | Go            | here                                                    |
 * |---------------|---------------------------------------------------------|
 * | nil           | `null` (`undefined` from a context is read as nil)       |
 * | bool, string  | `boolean`, `string`                                     |
 * | int (64-bit)  | `bigint`, wrapped to 64 bits like Go                    |
 * | float64       | `number` (every JS number from a context or JSON)       |
 * | []any         | array                                                   |
 * | map           | plain object (ours have a null prototype)               |
 * | time values   | `GoTime`, `GoDuration`, `Location`, `NamedInt` (time.ts) |
 */
import { RuntimeFault } from './errors.js';
import { GoTime, Location, NamedInt } from './time.js';
import { GoDuration } from './time-duration.js';

export type MapValue = Record<string, unknown>;

export const MAX_INT64 = (1n << 63n) - 1n;
export const MIN_INT64 = -(1n << 63n);

export function isNil(v: unknown): v is null | undefined {
  return v === null || v === undefined;
}

/** A plain object: the only kind of object whose keys an expression may read. */
export function isMap(v: unknown): v is MapValue {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A map without a prototype, so keys such as `__proto__` are plain data. */
export function newMap(): MapValue {
  return Object.create(null) as MapValue;
}

export function hasOwn(map: MapValue, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(map, key);
}

/** An integer operand: ints and named ints (time.Month...) take part in arithmetic alike. */
export function intValue(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (v instanceof NamedInt) return v.value;
  return undefined;
}

export function isNumber(v: unknown): boolean {
  return typeof v === 'number' || intValue(v) !== undefined;
}

/** A number as float64, or undefined for anything else. */
export function toFloat(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  const i = intValue(v);
  return i === undefined ? undefined : Number(i);
}

/** Truncate to a 64-bit integer the way Go's conversion does. */
export function floatToInt(f: number): bigint {
  if (Number.isNaN(f)) return MIN_INT64;
  if (f >= 2 ** 63 || f < -(2 ** 63)) return MIN_INT64;
  return BigInt(Math.trunc(f));
}

export function wrapInt(x: bigint): bigint {
  return BigInt.asIntN(64, x);
}

/** An integer argument such as an index or a count; floats truncate as Go's `ToInt`. */
export function toIndex(v: unknown, what = 'int'): number {
  const i = intValue(v);
  if (i !== undefined) return Number(i);
  if (typeof v === 'number') return Number(floatToInt(v));
  throw new RuntimeFault(`invalid operation: ${what}(${typeName(v)})`);
}

/** Go's `%T` of a value, used in messages. */
export function typeName(v: unknown): string {
  if (isNil(v)) return '<nil>';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float64';
    case 'string':
      return 'string';
    case 'function':
      return 'func';
  }
  if (Array.isArray(v)) return '[]interface {}';
  if (isMap(v)) return 'map[string]interface {}';
  if (v instanceof GoTime) return 'time.Time';
  if (v instanceof GoDuration) return 'time.Duration';
  if (v instanceof Location) return '*time.Location';
  if (v instanceof NamedInt) return v.typeName;
  return 'unknown';
}

/** Equality as expr-lang's `==`: numbers across kinds, deep for arrays and maps. */
export function equal(a: unknown, b: unknown): boolean {
  if (isNil(a) || isNil(b)) return isNil(a) && isNil(b);
  if (isNumber(a) && isNumber(b)) {
    const ia = intValue(a);
    const ib = intValue(b);
    if (ia !== undefined && ib !== undefined) return ia === ib;
    return toFloat(a) === toFloat(b);
  }
  if (typeof a === 'string' || typeof a === 'boolean') return a === b;
  if (a instanceof GoTime) return b instanceof GoTime && a.compare(b) === 0;
  if (a instanceof GoDuration) return b instanceof GoDuration && a.ns === b.ns;
  if (a instanceof Location) return b instanceof Location && a.name === b.name;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => equal(item, b[i]));
  }
  if (isMap(a) && isMap(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return a === b;
}

/** Go's reflect.DeepEqual, which (unlike `==`) tells an int from a float. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (typeName(a) !== typeName(b)) return false;
  return equal(a, b);
}

/**
 * Order two values for `<`, `>`, `<=`, `>=`, sort and min/max: numbers of any kind,
 * strings, times and durations. Anything else is an invalid operation.
 */
export function compare(a: unknown, b: unknown, op: string): number {
  if (isNumber(a) && isNumber(b)) {
    const ia = intValue(a);
    const ib = intValue(b);
    if (ia !== undefined && ib !== undefined) return ia < ib ? -1 : ia > ib ? 1 : 0;
    const fa = toFloat(a)!;
    const fb = toFloat(b)!;
    return fa < fb ? -1 : fa > fb ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof GoTime && b instanceof GoTime) return a.compare(b);
  if (a instanceof GoDuration && b instanceof GoDuration) return a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0;
  throw new RuntimeFault(`invalid operation: ${typeName(a)} ${op} ${typeName(b)}`);
}

/** Read a value handed in by the host: undefined becomes nil and a Date a UTC time. */
export function fromHost(v: unknown): unknown {
  if (v === undefined) return null;
  if (v instanceof Date) return GoTime.fromDate(v);
  return v;
}
