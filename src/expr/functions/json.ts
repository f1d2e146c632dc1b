/** `toJSON`, `fromJSON`, `toBase64`, `fromBase64` with Go's encodings. */
import { checkedString, LIMITS, textCost, type Budget } from '../budget.js';
import { RuntimeFault } from '../errors.js';
import { formatFloat } from '../format.js';
import { GoTime, Location, NamedInt } from '../time.js';
import { GoDuration } from '../time-duration.js';
import { formatTime } from '../time-layout.js';
import { fromHost, isMap, isNil, typeName } from '../values.js';
import { stringArg } from './args.js';
import { fn, type BuiltinFunction } from './types.js';

/** A JSON string as Go's encoder writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped. */
function quote(s: string): string {
  return JSON.stringify(s).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function jsonNumber(f: number): string {
  if (!Number.isFinite(f)) throw new RuntimeFault(`json: unsupported value: ${formatFloat(f)}`);
  // Go's float encoding and JavaScript's agree: plain below 1e21, exponent form beyond or below 1e-6.
  return String(f);
}

/** Go's `json.MarshalIndent(v, "", "  ")`: maps with sorted keys, times as RFC 3339. */
export function toJson(value: unknown, budget: Budget, indent = '', depth = 0): string {
  budget.charge();
  if (depth > LIMITS.depth) throw new RuntimeFault('json: value is nested too deeply');
  const v = fromHost(value);
  const inner = `${indent}  `;
  if (isNil(v)) return 'null';
  switch (typeof v) {
    case 'string':
      budget.charge(textCost(v));
      return quote(v);
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'number':
      return jsonNumber(v);
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((item) => inner + toJson(item, budget, inner, depth + 1)).join(',\n')}\n${indent}]`;
  }
  if (isMap(v)) {
    const keys = Object.keys(v).sort();
    if (keys.length === 0) return '{}';
    const items = keys.map((k) => `${inner}${quote(k)}: ${toJson(v[k], budget, inner, depth + 1)}`);
    return `{\n${items.join(',\n')}\n${indent}}`;
  }
  if (v instanceof GoTime) return quote(formatTime(v, '2006-01-02T15:04:05.999999999Z07:00'));
  if (v instanceof GoDuration) return String(v.ns);
  if (v instanceof NamedInt) return String(v.value);
  if (v instanceof Location) return '{}';
  throw new RuntimeFault(`json: unsupported type: ${typeName(v)}`);
}

/** Go's base64 decoder is strict: padding required, no stray characters (newlines skipped). */
function fromBase64(text: string): string {
  const s = text.replace(/[\r\n]/g, '');
  const bad = /[^A-Za-z0-9+/=]/.exec(s);
  if (bad) throw new RuntimeFault(`illegal base64 data at input byte ${bad.index}`);
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) {
    const pad = s.indexOf('=');
    throw new RuntimeFault(`illegal base64 data at input byte ${pad >= 0 ? pad : s.length - (s.length % 4)}`);
  }
  return Buffer.from(s, 'base64').toString('utf8');
}

export const JSON_FUNCTIONS: Record<string, BuiltinFunction> = {
  toJSON: fn(1, 1, (a, rt) => checkedString(toJson(a[0], rt.budget))),
  fromJSON: fn(1, 1, (a, rt) => {
    const text = stringArg('fromJSON', a, 0);
    rt.budget.charge(Math.ceil(text.length / 100));
    try {
      // Numbers stay JS numbers: float64, as Go decodes them into `any`.
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new RuntimeFault((err as Error).message);
    }
  }),
  toBase64: fn(1, 1, (a) => Buffer.from(stringArg('toBase64', a, 0), 'utf8').toString('base64')),
  fromBase64: fn(1, 1, (a) => fromBase64(stringArg('fromBase64', a, 0))),
};
