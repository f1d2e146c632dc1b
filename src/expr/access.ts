/** Member access and slicing: the only ways an expression reads inside a value. */
import { textCost, type Budget } from './budget.js';
import { RuntimeFault } from './errors.js';
import { printValue } from './format.js';
import type { Runtime } from './functions/types.js';
import { fromHost, hasOwn, isMap, isNil, isNumber, toIndex, typeName } from './values.js';

/** An index into a sequence of `length` items; negative counts from the end, as in expr-lang. */
function position(key: unknown, length: number): number {
  let index = toIndex(key);
  if (index < 0) index += length;
  if (index < 0 || index >= length) {
    throw new RuntimeFault(`index out of range: ${index} (array length is ${length})`);
  }
  return index;
}

/**
 * Read `key` of `object`: an array item, a byte of a string (as Go indexes strings), or an
 * own key of a map. A missing key is `""` in a context string map and nil elsewhere.
 */
export function fetch(object: unknown, key: unknown, rt: Runtime): unknown {
  const o = fromHost(object);
  if (isNil(o)) throw new RuntimeFault(`cannot fetch ${printValue(key, rt.budget)} from <nil>`);
  if (isMap(o)) {
    const name = typeof key === 'string' ? key : printValue(key, rt.budget);
    if (hasOwn(o, name)) return fromHost(o[name]);
    return rt.stringMaps.has(o) ? '' : null;
  }
  if ((Array.isArray(o) || typeof o === 'string') && isNumber(key)) {
    if (Array.isArray(o)) return fromHost(o[position(key, o.length)]);
    rt.budget.charge(textCost(o));
    const bytes = Buffer.from(o, 'utf8');
    return BigInt(bytes[position(key, bytes.length)]!);
  }
  throw new RuntimeFault(`cannot fetch ${printValue(key, rt.budget)} from ${typeName(o)}`);
}

/** `a[from:to]` on an array or (by bytes) a string; bounds are clamped as in expr-lang. */
export function slice(object: unknown, from: unknown, to: unknown, budget: Budget): unknown {
  const o = fromHost(object);
  budget.charge(textCost(o) + (Array.isArray(o) ? o.length : 0));
  if (!Array.isArray(o) && typeof o !== 'string') throw new RuntimeFault(`cannot slice ${typeName(o)}`);
  const bytes = typeof o === 'string' ? Buffer.from(o, 'utf8') : undefined;
  const length = bytes ? bytes.length : (o as unknown[]).length;
  const clamp = (v: unknown, fallback: number) => {
    let i = v === undefined ? fallback : toIndex(v);
    if (i < 0) i += length;
    return Math.min(Math.max(i, 0), length);
  };
  const end = clamp(to, length);
  const start = Math.min(clamp(from, 0), end);
  return bytes ? bytes.subarray(start, end).toString('utf8') : (o as unknown[]).slice(start, end);
}
