/** Array and map built-ins that take plain values (the predicate ones are in predicates.ts). */
import { checkedString } from '../budget.js';
import { RuntimeFault } from '../errors.js';
import { compare, equal, fromHost, isMap, isNil, isNumber, newMap, toFloat, typeName } from '../values.js';
import { fetch } from '../access.js';
import { printValue } from '../format.js';
import { arrayArg, intArg, mapArg, stringArg } from './args.js';
import { fn, type BuiltinFunction, type Runtime } from './types.js';

/** Characters (code points) of a string, without building an array of them. */
function runeCount(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

function flatten(items: unknown[], rt: Runtime, out: unknown[] = []): unknown[] {
  for (const item of items) {
    const v = fromHost(item);
    rt.budget.charge();
    if (Array.isArray(v)) flatten(v, rt, out);
    else out.push(v);
  }
  return out;
}

/** Numbers of the arguments, arrays opened recursively (for max, min, mean, median). */
function numbersOf(name: string, args: unknown[], rt: Runtime): unknown[] {
  const out: unknown[] = [];
  for (const arg of flatten(args, rt)) {
    if (!isNumber(arg)) throw new RuntimeFault(`invalid argument for ${name} (type ${typeName(arg)})`);
    out.push(arg);
  }
  return out;
}

function extreme(name: string, sign: number) {
  return fn(1, Infinity, (args, rt) => {
    if (args.length === 1 && !Array.isArray(fromHost(args[0])) && !isNumber(args[0])) {
      return args[0];
    }
    let best: unknown = null;
    for (const v of numbersOf(name, args, rt)) {
      if (best === null || compare(v, best, '<') * sign > 0) best = v;
    }
    return best;
  });
}

/** Stable sort by `key`, ascending or descending; keys must be mutually comparable. */
export function sortValues<T>(items: T[], key: (item: T) => unknown, desc: boolean, rt: Runtime): T[] {
  rt.budget.charge(items.length * Math.max(1, Math.ceil(Math.log2(items.length + 1))));
  const keyed = items.map((item) => ({ item, key: key(item) }));
  keyed.sort((x, y) => (desc ? -1 : 1) * compare(x.key, y.key, '<'));
  return keyed.map((k) => k.item);
}

export function sortOrder(name: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (v === 'asc' || v === 'desc') return v === 'desc';
  throw new RuntimeFault(`invalid order ${typeof v === 'string' ? v : typeName(v)}, expected asc or desc`);
}

function charged<T>(rt: Runtime, items: T[]): T[] {
  rt.budget.charge(items.length);
  return items;
}

export const ARRAY_FUNCTIONS: Record<string, BuiltinFunction> = {
  len: fn(1, 1, (a) => {
    const v = fromHost(a[0]);
    if (typeof v === 'string') return BigInt(runeCount(v));
    if (Array.isArray(v)) return BigInt(v.length);
    if (isMap(v)) return BigInt(Object.keys(v).length);
    throw new RuntimeFault(`invalid argument for len (type ${typeName(v)})`);
  }),
  get: fn(2, 2, (a, rt) => {
    const v = fromHost(a[0]);
    if (isNil(v)) return null;
    if (Array.isArray(v) || isMap(v)) {
      try {
        return fetch(v, a[1], rt);
      } catch (err) {
        if (err instanceof RuntimeFault) return null;
        throw err;
      }
    }
    return null;
  }),
  concat: fn(1, Infinity, (a, rt) => {
    const out: unknown[] = [];
    a.forEach((_, i) => {
      const items = arrayArg('concat', a, i);
      rt.budget.charge(items.length);
      out.push(...items);
    });
    return out;
  }),
  flatten: fn(1, 1, (a, rt) => flatten(arrayArg('flatten', a, 0), rt)),
  uniq: fn(1, 1, (a, rt) => {
    const out: unknown[] = [];
    for (const item of arrayArg('uniq', a, 0)) {
      rt.budget.charge(out.length + 1);
      if (!out.some((seen) => equal(seen, item))) out.push(item);
    }
    return out;
  }),
  join: fn(1, 2, (a, rt) => {
    const items = arrayArg('join', a, 0);
    const sep = a.length > 1 ? stringArg('join', a, 1) : '';
    rt.budget.charge(items.length);
    return checkedString(
      items
        .map((item) => {
          if (typeof item !== 'string')
            throw new RuntimeFault(`invalid argument for join (item of type ${typeName(item)})`);
          return item;
        })
        .join(sep),
    );
  }),
  first: fn(1, 1, (a) => {
    const v = fromHost(a[0]);
    return Array.isArray(v) && v.length > 0 ? fromHost(v[0]) : null;
  }),
  last: fn(1, 1, (a) => {
    const v = fromHost(a[0]);
    return Array.isArray(v) && v.length > 0 ? fromHost(v[v.length - 1]) : null;
  }),
  take: fn(2, 2, (a, rt) => {
    const items = arrayArg('take', a, 0);
    rt.budget.charge(items.length);
    const n = intArg('take', a, 1);
    if (n < 0n) throw new RuntimeFault(`cannot take ${n} elements`);
    return items.slice(0, Number(n > BigInt(items.length) ? BigInt(items.length) : n));
  }),
  reverse: fn(1, 1, (a, rt) => {
    const items = arrayArg('reverse', a, 0);
    rt.budget.charge(items.length);
    return [...items].reverse();
  }),
  sort: fn(1, 2, (a, rt) =>
    sortValues(arrayArg('sort', a, 0), (x) => fromHost(x), sortOrder('sort', a[1]), rt),
  ),
  keys: fn(1, 1, (a, rt) => charged(rt, Object.keys(mapArg('keys', a, 0)))),
  values: fn(1, 1, (a, rt) => charged(rt, Object.values(mapArg('values', a, 0)).map(fromHost))),
  toPairs: fn(1, 1, (a, rt) =>
    charged(
      rt,
      Object.entries(mapArg('toPairs', a, 0)).map(([k, v]) => [k, fromHost(v)]),
    ),
  ),
  fromPairs: fn(1, 1, (a, rt) => {
    const out = newMap();
    for (const pair of arrayArg('fromPairs', a, 0)) {
      const p = fromHost(pair);
      if (!Array.isArray(p) || p.length !== 2) throw new RuntimeFault(`invalid pair ${typeName(p)}`);
      const key = fromHost(p[0]);
      out[typeof key === 'string' ? key : printValue(key, rt.budget)] = fromHost(p[1]);
      rt.budget.charge();
    }
    return out;
  }),
  max: extreme('max', 1),
  min: extreme('min', -1),
  mean: fn(1, Infinity, (a, rt) => {
    const values = numbersOf('mean', a, rt).map((v) => toFloat(v)!);
    return values.length === 0 ? 0 : values.reduce((x, y) => x + y, 0) / values.length;
  }),
  median: fn(1, Infinity, (a, rt) => {
    const values = numbersOf('median', a, rt)
      .map((v) => toFloat(v)!)
      .sort((x, y) => x - y);
    const n = values.length;
    if (n === 0) return 0;
    return n % 2 === 1 ? values[(n - 1) / 2]! : (values[n / 2 - 1]! + values[n / 2]!) / 2;
  }),
};
