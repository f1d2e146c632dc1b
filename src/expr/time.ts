/**
 * Go's time values as the expression language sees them: `GoTime` (an instant in a
 * location, nanosecond precision), `GoDuration` (int64 nanoseconds), `Location` (UTC, the
 * server's local zone, an IANA zone or a fixed offset) and `NamedInt` (time.Month and
 * time.Weekday: integers that print as their name). Zone offsets and abbreviations come
 * from Intl; Go's own tzdata sometimes spells an abbreviation differently.
 */
import { RuntimeFault } from './errors.js';
import { GoDuration } from './time-duration.js';

/** An integer with a Go type whose `%v` is a name, such as `time.Month` (`January`). */
export class NamedInt {
  constructor(
    readonly value: bigint,
    readonly name: string,
    readonly typeName: string,
  ) {}
}

export const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const NS_PER_SEC = 1_000_000_000n;
/** Seconds from Go's zero time (January 1, year 1, UTC) to the Unix epoch. */
const ZERO_TIME_SEC = 62_135_596_800;

interface Zone {
  offsetSec: number;
  abbr: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string, locale: string, style: 'short' | 'longOffset'): Intl.DateTimeFormat {
  const key = `${tz}|${locale}|${style}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { timeZone: tz, timeZoneName: style });
    formatters.set(key, f);
  }
  return f;
}

function zoneName(tz: string, locale: string, style: 'short' | 'longOffset', epochMs: number): string {
  const parts = formatter(tz, locale, style).formatToParts(new Date(epochMs));
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
}

/** `+05:30` style from an offset, as Go prints zones with no abbreviation (`+04`, `+0530`). */
function numericAbbr(offsetSec: number): string {
  const sign = offsetSec < 0 ? '-' : '+';
  const abs = Math.abs(offsetSec);
  const hh = String(Math.floor(abs / 3600)).padStart(2, '0');
  const mm = Math.floor((abs % 3600) / 60);
  return mm === 0 ? `${sign}${hh}` : `${sign}${hh}${String(mm).padStart(2, '0')}`;
}

export class Location {
  private constructor(
    /** The name Go prints for the location (`UTC`, `Local`, `Europe/Paris`, or a fixed zone's name). */
    readonly name: string,
    private readonly tz: string | undefined,
    private readonly fixed: Zone,
  ) {}

  static readonly UTC = new Location('UTC', undefined, { offsetSec: 0, abbr: 'UTC' });

  static fixedZone(name: string, offsetSec: number): Location {
    return new Location(name, undefined, { offsetSec, abbr: name });
  }

  private static localZone: Location | undefined;

  /** The server's zone, named `Local` as in Go. */
  static local(): Location {
    if (!Location.localZone) {
      const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
      Location.localZone =
        tz === 'UTC' || tz === 'Etc/UTC'
          ? new Location('Local', undefined, { offsetSec: 0, abbr: 'UTC' })
          : new Location('Local', tz, { offsetSec: 0, abbr: 'UTC' });
    }
    return Location.localZone;
  }

  /** Go's `time.LoadLocation`. */
  static load(name: string): Location {
    if (name === '' || name === 'UTC') return Location.UTC;
    if (name === 'Local') return Location.local();
    if (/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(name)) {
      try {
        formatter(name, 'en-US', 'longOffset');
        return new Location(name, name, { offsetSec: 0, abbr: 'UTC' });
      } catch {
        // fall through: Intl does not know the zone
      }
    }
    throw new RuntimeFault(`unknown time zone ${name}`);
  }

  /** Offset and abbreviation in effect at an instant. */
  zoneAt(epochSec: number): Zone {
    if (!this.tz) return this.fixed;
    const ms = epochSec * 1000;
    const off = /GMT([+-])(\d{1,2})(?::(\d{2}))?/.exec(zoneName(this.tz, 'en-US', 'longOffset', ms));
    const offsetSec = off
      ? (off[1] === '-' ? -1 : 1) * (Number(off[2]) * 3600 + Number(off[3] ?? 0) * 60)
      : 0;
    let abbr = zoneName(this.tz, 'en-US', 'short', ms);
    if (/^GMT[+-]/.test(abbr)) abbr = zoneName(this.tz, 'en-GB', 'short', ms);
    if (/^(GMT|UTC)[+-]/.test(abbr)) abbr = numericAbbr(offsetSec);
    return { offsetSec, abbr };
  }

  toString(): string {
    return this.name;
  }
}

export interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
  yearDay: number;
}

/** Seconds since the epoch of a wall-clock reading in UTC; out-of-range fields carry over. */
export function civilToEpochSec(
  year: number,
  month: number,
  day: number,
  hour: number,
  min: number,
  sec: number,
): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, min, sec, 0);
  return d.getTime() / 1000;
}

export class GoTime {
  constructor(
    /** Whole seconds since the Unix epoch. */
    readonly sec: number,
    /** Nanoseconds within the second, 0..999999999. */
    readonly nsec: number,
    readonly loc: Location,
  ) {}

  static fromDate(d: Date): GoTime {
    const ms = d.getTime();
    const sec = Math.floor(ms / 1000);
    return new GoTime(sec, (ms - sec * 1000) * 1_000_000, Location.UTC);
  }

  static now(): GoTime {
    const ms = performance.timeOrigin + performance.now();
    const sec = Math.floor(ms / 1000);
    return new GoTime(sec, Math.min(999_999_999, Math.round((ms - sec * 1000) * 1e6)), Location.local());
  }

  /** Go's `time.Date`: fields out of range normalise; an ambiguous local time takes the first offset. */
  static fromCivil(c: Omit<Civil, 'weekday' | 'yearDay'>, nsec: number, loc: Location): GoTime {
    const extraSec = Math.floor(nsec / 1e9);
    const wall = civilToEpochSec(c.year, c.month, c.day, c.hour, c.minute, c.second + extraSec);
    const first = loc.zoneAt(wall).offsetSec;
    let sec = wall - first;
    const second = loc.zoneAt(sec).offsetSec;
    if (second !== first) sec = wall - second;
    return new GoTime(sec, nsec - extraSec * 1e9, loc);
  }

  zone(): Zone {
    return this.loc.zoneAt(this.sec);
  }

  civil(): Civil {
    const d = new Date((this.sec + this.zone().offsetSec) * 1000);
    const year = d.getUTCFullYear();
    const jan1 = civilToEpochSec(year, 1, 1, 0, 0, 0) * 1000;
    return {
      year,
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      weekday: d.getUTCDay(),
      yearDay: Math.floor((d.getTime() - jan1) / 86_400_000) + 1,
    };
  }

  /** Nanoseconds since Go's zero time, the base Go rounds and truncates against. */
  absNs(): bigint {
    return (BigInt(this.sec) + BigInt(ZERO_TIME_SEC)) * NS_PER_SEC + BigInt(this.nsec);
  }

  static fromUnixNs(ns: bigint, loc: Location): GoTime {
    let sec = ns / NS_PER_SEC;
    let nsec = ns % NS_PER_SEC;
    if (nsec < 0n) {
      nsec += NS_PER_SEC;
      sec -= 1n;
    }
    return new GoTime(Number(sec), Number(nsec), loc);
  }

  unixNs(): bigint {
    return BigInt(this.sec) * NS_PER_SEC + BigInt(this.nsec);
  }

  add(d: GoDuration): GoTime {
    return GoTime.fromUnixNs(this.unixNs() + d.ns, this.loc);
  }

  sub(other: GoTime): GoDuration {
    return new GoDuration(BigInt.asIntN(64, this.unixNs() - other.unixNs()));
  }

  in(loc: Location): GoTime {
    return new GoTime(this.sec, this.nsec, loc);
  }

  compare(other: GoTime): number {
    const a = this.unixNs();
    const b = other.unixNs();
    return a < b ? -1 : a > b ? 1 : 0;
  }

  isZero(): boolean {
    return this.sec === -ZERO_TIME_SEC && this.nsec === 0;
  }

  /** Round down (or to nearest) to a multiple of `d` since the zero time, as Go does. */
  truncate(d: GoDuration, nearest: boolean): GoTime {
    if (d.ns <= 0n) return this;
    const r = this.absNs() % d.ns;
    const down = GoTime.fromUnixNs(this.unixNs() - r, this.loc);
    return nearest && r + r >= d.ns ? down.add(d) : down;
  }

  toDate(): Date {
    return new Date(this.sec * 1000 + Math.floor(this.nsec / 1e6));
  }
}
