/** String built-ins, with Go's `strings` package semantics. */
import { checkedString, LIMITS } from '../budget.js';
import { RuntimeFault } from '../errors.js';
import { intArg, stringArg } from './args.js';
import { fn, type BuiltinFunction } from './types.js';

/** Go's `genSplit`: `n` < 0 means all parts, 0 none, otherwise at most `n`. */
function split(s: string, sep: string, keepSep: boolean, n: number): string[] {
  if (n === 0) return [];
  if (sep === '') {
    const runes = Array.from(s);
    const count = n < 0 || n > runes.length ? runes.length : n;
    return count === 0 ? [] : [...runes.slice(0, count - 1), runes.slice(count - 1).join('')];
  }
  const parts: string[] = [];
  let rest = s;
  while (n < 0 || parts.length < n - 1) {
    const at = rest.indexOf(sep);
    if (at < 0) break;
    parts.push(rest.slice(0, keepSep ? at + sep.length : at));
    rest = rest.slice(at + sep.length);
  }
  parts.push(rest);
  return parts;
}

/** Go's `strings.Replace`: `n` < 0 replaces all; an empty `old` matches around every character. */
function replace(s: string, old: string, replacement: string, n: number): string {
  if (old === replacement || n === 0) return s;
  if (old === '') {
    const runes = Array.from(s);
    let out = '';
    for (let i = 0, done = 0; i <= runes.length; i++) {
      if (n < 0 || done < n) {
        out += replacement;
        done++;
      }
      out += runes[i] ?? '';
    }
    return checkedString(out);
  }
  const parts = s.split(old);
  if (n < 0 || n >= parts.length - 1) return checkedString(parts.join(replacement));
  return checkedString(parts.slice(0, n + 1).join(replacement) + old + parts.slice(n + 1).join(old));
}

function trimSet(s: string, cutset: string): string {
  const set = new Set(Array.from(cutset));
  const runes = Array.from(s);
  let start = 0;
  let end = runes.length;
  while (start < end && set.has(runes[start]!)) start++;
  while (end > start && set.has(runes[end - 1]!)) end--;
  return runes.slice(start, end).join('');
}

/** Index in UTF-8 bytes, as Go reports string positions. */
function byteIndex(s: string, index: number): bigint {
  return index < 0 ? -1n : BigInt(Buffer.byteLength(s.slice(0, index), 'utf8'));
}

const count = (args: unknown[], i: number, name: string) =>
  args.length > i ? Number(intArg(name, args, i)) : -1;

export const STRING_FUNCTIONS: Record<string, BuiltinFunction> = {
  trim: fn(1, 2, (a) =>
    a.length === 1
      ? stringArg('trim', a, 0).replace(/^\s+|\s+$/gu, '')
      : trimSet(stringArg('trim', a, 0), stringArg('trim', a, 1)),
  ),
  trimPrefix: fn(1, 2, (a) => {
    const s = stringArg('trimPrefix', a, 0);
    const p = a.length > 1 ? stringArg('trimPrefix', a, 1) : ' ';
    return s.startsWith(p) ? s.slice(p.length) : s;
  }),
  trimSuffix: fn(1, 2, (a) => {
    const s = stringArg('trimSuffix', a, 0);
    const p = a.length > 1 ? stringArg('trimSuffix', a, 1) : ' ';
    return p !== '' && s.endsWith(p) ? s.slice(0, s.length - p.length) : s;
  }),
  upper: fn(1, 1, (a) => stringArg('upper', a, 0).toUpperCase()),
  lower: fn(1, 1, (a) => stringArg('lower', a, 0).toLowerCase()),
  split: fn(2, 3, (a, rt) => {
    const parts = split(stringArg('split', a, 0), stringArg('split', a, 1), false, count(a, 2, 'split'));
    rt.budget.charge(parts.length);
    return parts;
  }),
  splitAfter: fn(2, 3, (a, rt) => {
    const parts = split(
      stringArg('splitAfter', a, 0),
      stringArg('splitAfter', a, 1),
      true,
      count(a, 2, 'splitAfter'),
    );
    rt.budget.charge(parts.length);
    return parts;
  }),
  replace: fn(3, 4, (a) =>
    replace(
      stringArg('replace', a, 0),
      stringArg('replace', a, 1),
      stringArg('replace', a, 2),
      count(a, 3, 'replace'),
    ),
  ),
  repeat: fn(2, 2, (a, rt) => {
    const s = stringArg('repeat', a, 0);
    const n = intArg('repeat', a, 1);
    if (n < 0n) throw new RuntimeFault(`invalid argument for repeat (expected positive integer, got ${n})`);
    if (n > 1_000_000n || s.length * Number(n) > LIMITS.repeatChars)
      throw new RuntimeFault('memory budget exceeded');
    rt.budget.charge(Math.ceil((s.length * Number(n)) / 1000));
    return s.repeat(Number(n));
  }),
  indexOf: fn(2, 2, (a) => {
    const s = stringArg('indexOf', a, 0);
    return byteIndex(s, s.indexOf(stringArg('indexOf', a, 1)));
  }),
  lastIndexOf: fn(2, 2, (a) => {
    const s = stringArg('lastIndexOf', a, 0);
    return byteIndex(s, s.lastIndexOf(stringArg('lastIndexOf', a, 1)));
  }),
  hasPrefix: fn(2, 2, (a) => stringArg('hasPrefix', a, 0).startsWith(stringArg('hasPrefix', a, 1))),
  hasSuffix: fn(2, 2, (a) => stringArg('hasSuffix', a, 0).endsWith(stringArg('hasSuffix', a, 1))),
};
