/**
 * Go duration syntax (`1h30m`, `1.5s`, `300ms`, `-2m`, `0`): the format every duration in a
 * job definition and in the config uses. There is no day unit, as in Go.
 */

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;

/** Milliseconds in a Go duration string; `undefined` when the text is not one. */
export function parseDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  while (rest.length > 0) {
    const m = PART.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

export function isDuration(text: string): boolean {
  return parseDuration(text) !== undefined;
}

/** Milliseconds in a Go duration string; throws a message naming the text when it is not one. */
export function durationMs(text: string, what = 'duration'): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`invalid ${what} ${JSON.stringify(text)}: expected a duration such as 30s, 5m or 1h30m`);
  return ms;
}
