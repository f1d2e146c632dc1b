/** Go's `time.Duration`: int64 nanoseconds, printed and parsed as Go does. */
import { RuntimeFault } from './errors.js';

const NS_PER_SEC = 1_000_000_000n;

export class GoDuration {
  constructor(readonly ns: bigint) {}

  /** Go's `Duration.String()`: `1h0m0s`, `1.5s`, `300ms`, `0s`. */
  toString(): string {
    const neg = this.ns < 0n;
    let u = neg ? -this.ns : this.ns;
    let out: string;
    if (u < NS_PER_SEC) {
      if (u === 0n) return '0s';
      const [unit, prec] = u < 1000n ? ['ns', 0] : u < 1_000_000n ? ['µs', 3] : ['ms', 6];
      const [frac, whole] = fraction(u, prec as number);
      out = `${whole}${frac}${unit}`;
    } else {
      const [frac, whole] = fraction(u, 9);
      u = whole;
      out = `${u % 60n}${frac}s`;
      u /= 60n;
      if (u > 0n) {
        out = `${u % 60n}m${out}`;
        u /= 60n;
        if (u > 0n) out = `${u}h${out}`;
      }
    }
    return neg ? `-${out}` : out;
  }
}

/** The fraction of `v / 10**prec` as `.123` (no trailing zeros, empty when zero), and the rest. */
function fraction(v: bigint, prec: number): [string, bigint] {
  const scale = 10n ** BigInt(prec);
  const frac = prec === 0 ? '' : (v % scale).toString().padStart(prec, '0').replace(/0+$/, '');
  return [frac === '' ? '' : `.${frac}`, v / scale];
}

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1_000_000n,
  s: NS_PER_SEC,
  m: 60n * NS_PER_SEC,
  h: 3600n * NS_PER_SEC,
};

/** Go's `time.ParseDuration`, with its error messages. */
export function parseGoDuration(text: string): GoDuration {
  const invalid = () => new RuntimeFault(`time: invalid duration ${JSON.stringify(text)}`);
  let s = text;
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return new GoDuration(0n);
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const [whole = '', frac] = [m[1], m[2]];
    if (whole === '' && (frac === undefined || frac === '')) throw invalid();
    s = s.slice(m[0].length);
    const unitText = /^[^\d.]*/.exec(s)![0];
    if (unitText === '') throw new RuntimeFault(`time: missing unit in duration ${JSON.stringify(text)}`);
    const unit = UNIT_NS[unitText];
    if (unit === undefined) {
      throw new RuntimeFault(
        `time: unknown unit ${JSON.stringify(unitText)} in duration ${JSON.stringify(text)}`,
      );
    }
    s = s.slice(unitText.length);
    total += BigInt(whole || '0') * unit;
    if (frac) total += (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
    if (total > (1n << 63n) - (neg ? 0n : 1n)) throw invalid();
  }
  return new GoDuration(neg ? -total : total);
}
