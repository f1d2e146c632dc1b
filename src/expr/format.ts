/**
 * Go `%v` printing, used for every `{{ }}` block and by `string()`: see jobs.md §10.1.
 */
import { Budget, LIMITS, textCost } from './budget.js';
import { ExpressionError, RuntimeFault } from './errors.js';
import { GoTime, Location, NamedInt } from './time.js';
import { GoDuration } from './time-duration.js';
import { formatTime } from './time-layout.js';
import { fromHost, isMap, isNil } from './values.js';

/** Go's `Time.String()` layout (without the monotonic clock reading). */
export const TIME_STRING_LAYOUT = '2006-01-02 15:04:05.999999999 -0700 MST';

/**
 * A float64 as Go's `%v`: shortest round-trip digits, plain when the decimal exponent is
 * in [-4, 6), otherwise `1e+06` form with at least two exponent digits.
 */
export function formatFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const sign = f < 0 ? '-' : '';
  const [mantissa = '', expText = '0'] = Math.abs(f).toExponential().split('e');
  const exp = Number(expText);
  const digits = mantissa.replace('.', '');
  if (exp < -4 || exp >= 6) {
    const abs = Math.abs(exp);
    return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${abs < 10 ? `0${abs}` : abs}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${whole}${frac ? `.${frac}` : ''}`;
}

/** Print a value as Go's `%v`, charging one step per value to `budget`. */
export function printValue(value: unknown, budget: Budget, depth = 0): string {
  budget.charge();
  if (depth > LIMITS.depth) throw new RuntimeFault('value is nested too deeply to print');
  const v = fromHost(value);
  if (isNil(v)) return '<nil>';
  switch (typeof v) {
    case 'string':
      budget.charge(textCost(v));
      return v;
    case 'number':
      return formatFloat(v);
    case 'bigint':
    case 'boolean':
      return String(v);
    case 'function':
      return '<func>';
  }
  if (Array.isArray(v)) return `[${v.map((item) => printValue(item, budget, depth + 1)).join(' ')}]`;
  if (isMap(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${printValue(v[k], budget, depth + 1)}`).join(' ')}]`;
  }
  if (v instanceof GoTime) return formatTime(v, TIME_STRING_LAYOUT);
  if (v instanceof GoDuration || v instanceof Location) return v.toString();
  if (v instanceof NamedInt) return v.name;
  return `<${typeof v}>`;
}

/**
 * Go `%v` text of a value: strings as is, integers (bigint) in decimal, floats (number) in
 * Go's shortest form (`2.5`, `1e+06`), `true`/`false`, nil as `<nil>`, lists as `[1 2 3]`,
 * maps as `map[a:1 b:x]` with sorted keys, times in `2006-01-02 15:04:05 -0700 MST` form.
 * Throws `ExpressionError` for values too large or too deep to print.
 */
export function formatValue(value: unknown): string {
  try {
    return printValue(value, new Budget());
  } catch (err) {
    if (err instanceof RuntimeFault) throw new ExpressionError(`error printing value: ${err.message}`);
    throw err;
  }
}

/**
 * A JSON-safe copy of an evaluation result, for storing or logging: integers become
 * numbers (or decimal strings beyond 2^53), times RFC 3339 strings, durations
 * nanoseconds, named ints numbers. Printing the copy may differ from printing the
 * original (an integer turns into a float), so evaluate templates with the original.
 */
export function toPlainValue(value: unknown, depth = 0): unknown {
  if (depth > LIMITS.depth) throw new ExpressionError('error converting value: value is nested too deeply');
  const v = fromHost(value);
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map((item) => toPlainValue(item, depth + 1));
  if (isMap(v)) {
    return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, toPlainValue(item, depth + 1)]));
  }
  if (v instanceof GoTime) return formatTime(v, '2006-01-02T15:04:05.999999999Z07:00');
  if (v instanceof GoDuration) return toPlainValue(v.ns);
  if (v instanceof NamedInt) return Number(v.value);
  if (v instanceof Location) return v.name;
  return v;
}
