/** Argument checks shared by the built-in functions, with expr-lang's messages. */
import { RuntimeFault } from '../errors.js';
import { fromHost, intValue, isMap, typeName, type MapValue } from '../values.js';

export function argError(fn: string, value: unknown, expected: string): RuntimeFault {
  return new RuntimeFault(`cannot use ${typeName(value)} as argument (type ${expected}) to call ${fn}`);
}

export function stringArg(fn: string, args: unknown[], i: number): string {
  const v = args[i];
  if (typeof v !== 'string') throw argError(fn, v, 'string');
  return v;
}

export function intArg(fn: string, args: unknown[], i: number): bigint {
  const v = intValue(args[i]);
  if (v === undefined) throw argError(fn, args[i], 'int');
  return v;
}

export function arrayArg(fn: string, args: unknown[], i: number): unknown[] {
  const v = fromHost(args[i]);
  if (!Array.isArray(v)) throw argError(fn, v, '[]interface {}');
  return v;
}

export function mapArg(fn: string, args: unknown[], i: number): MapValue {
  const v = fromHost(args[i]);
  if (!isMap(v)) throw argError(fn, v, 'map[string]interface {}');
  return v;
}
