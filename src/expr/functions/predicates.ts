/** Built-ins taking a predicate: `all`, `map`, `filter`, `reduce`, `sortBy`... */
import type { Node } from '../ast.js';
import { RuntimeFault } from '../errors.js';
import { printValue } from '../format.js';
import { fromHost, intValue, isNumber, newMap, toFloat, typeName, wrapInt } from '../values.js';
import { sortOrder, sortValues } from './arrays.js';
import type { BuiltinFunction, PredicateCall } from './types.js';

type Body = (items: unknown[], test: (i: number) => unknown, args: Node[], call: PredicateCall) => unknown;

function predicate(name: string, body: Body): BuiltinFunction {
  return {
    kind: 'predicate',
    run(args, call) {
      const list = fromHost(call.value(args[0]!));
      if (!Array.isArray(list))
        throw new RuntimeFault(`builtin ${name} takes only array (got ${typeName(list)})`);
      const test = (i: number) => {
        call.budget.charge();
        return call.apply(args[1]!, list[i], i);
      };
      return body(list, test, args, call);
    },
  };
}

function truth(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean')
    throw new RuntimeFault(`predicate of ${name} should return boolean (got ${typeName(v)})`);
  return v;
}

function search(name: string, fromEnd: boolean, wantIndex: boolean): BuiltinFunction {
  return predicate(name, (items, test) => {
    for (let k = 0; k < items.length; k++) {
      const i = fromEnd ? items.length - 1 - k : k;
      if (truth(name, test(i))) return wantIndex ? BigInt(i) : fromHost(items[i]);
    }
    return wantIndex ? -1n : null;
  });
}

/** Sum of numbers: an int while every term is an int, a float otherwise. */
function sum(values: unknown[]): unknown {
  let total: bigint | number = 0n;
  for (const v of values) {
    if (!isNumber(v)) throw new RuntimeFault(`invalid argument for sum (type ${typeName(v)})`);
    const i = intValue(v);
    total = typeof total === 'bigint' && i !== undefined ? wrapInt(total + i) : Number(total) + toFloat(v)!;
  }
  return total;
}

export const PREDICATE_FUNCTIONS: Record<string, BuiltinFunction> = {
  all: predicate('all', (items, test) => items.every((_, i) => truth('all', test(i)))),
  any: predicate('any', (items, test) => items.some((_, i) => truth('any', test(i)))),
  none: predicate('none', (items, test) => !items.some((_, i) => truth('none', test(i)))),
  one: predicate('one', (items, test) => items.filter((_, i) => truth('one', test(i))).length === 1),
  map: predicate('map', (items, test) => items.map((_, i) => test(i))),
  filter: predicate('filter', (items, test) => items.filter((_, i) => truth('filter', test(i)))),
  find: search('find', false, false),
  findIndex: search('findIndex', false, true),
  findLast: search('findLast', true, false),
  findLastIndex: search('findLastIndex', true, true),
  groupBy: predicate('groupBy', (items, test, _args, call) => {
    const groups = newMap();
    items.forEach((item, i) => {
      const key = test(i);
      const name = typeof key === 'string' ? key : printValue(key, call.budget);
      const group = (
        Object.prototype.hasOwnProperty.call(groups, name) ? groups[name] : (groups[name] = [])
      ) as unknown[];
      group.push(fromHost(item));
    });
    return groups;
  }),
  count: predicate('count', (items, test, args) =>
    BigInt(items.filter((item, i) => (args.length > 1 ? truth('count', test(i)) : item === true)).length),
  ),
  sum: predicate('sum', (items, test, args) =>
    sum(args.length > 1 ? items.map((_, i) => test(i)) : items.map(fromHost)),
  ),
  sortBy: predicate('sortBy', (items, test, args, call) => {
    const desc = sortOrder('sortBy', args.length > 2 ? call.value(args[2]!) : undefined);
    const keyed = items.map((item, i) => ({ item: fromHost(item), key: test(i) }));
    return sortValues(keyed, (k) => k.key, desc, call).map((k) => k.item);
  }),
  reduce: predicate('reduce', (items, _test, args, call) => {
    let start = 0;
    let acc: unknown;
    if (args.length > 2) {
      acc = call.value(args[2]!);
    } else {
      if (items.length === 0) throw new RuntimeFault('reduce of empty array with no initial value');
      acc = fromHost(items[0]);
      start = 1;
    }
    for (let i = start; i < items.length; i++) {
      call.budget.charge();
      acc = call.apply(args[1]!, items[i], i, acc);
    }
    return acc;
  }),
};
