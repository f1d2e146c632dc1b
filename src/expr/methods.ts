/**
 * Methods callable on values (`t.Year()`, `d.Hours()`, `t.Format("2006")`): a fixed table
 * per Go type. Nothing else is callable: plain maps and context objects have no methods.
 */
import { RuntimeFault } from './errors.js';
import { formatValue } from './format.js';
import { GoTime, Location, MONTHS, NamedInt, WEEKDAYS } from './time.js';
import { GoDuration } from './time-duration.js';
import { formatTime } from './time-layout.js';
import { toIndex, typeName } from './values.js';

type Method<T> = (self: T, args: unknown[]) => unknown;

type Guard<T> = (v: unknown) => v is T;
const TIME: Guard<GoTime> = (v): v is GoTime => v instanceof GoTime;
const DURATION: Guard<GoDuration> = (v): v is GoDuration => v instanceof GoDuration;
const LOCATION: Guard<Location> = (v): v is Location => v instanceof Location;

function arg<T>(args: unknown[], i: number, is: Guard<T>, method: string): T {
  const v = args[i];
  if (!is(v)) {
    throw new RuntimeFault(`cannot use ${typeName(v)} as argument ${i + 1} of ${method}`);
  }
  return v;
}

function stringArg(args: unknown[], i: number, method: string): string {
  const v = args[i];
  if (typeof v !== 'string')
    throw new RuntimeFault(`cannot use ${typeName(v)} as argument ${i + 1} of ${method}`);
  return v;
}

const int = (n: number) => BigInt(n);

const TIME_METHODS: Record<string, [number, Method<GoTime>]> = {
  Year: [0, (t) => int(t.civil().year)],
  Month: [
    0,
    (t) => {
      const m = t.civil().month;
      return new NamedInt(int(m), MONTHS[m - 1]!, 'time.Month');
    },
  ],
  Day: [0, (t) => int(t.civil().day)],
  Hour: [0, (t) => int(t.civil().hour)],
  Minute: [0, (t) => int(t.civil().minute)],
  Second: [0, (t) => int(t.civil().second)],
  Nanosecond: [0, (t) => int(t.nsec)],
  YearDay: [0, (t) => int(t.civil().yearDay)],
  Weekday: [
    0,
    (t) => {
      const d = t.civil().weekday;
      return new NamedInt(int(d), WEEKDAYS[d]!, 'time.Weekday');
    },
  ],
  Unix: [0, (t) => int(t.sec)],
  UnixMilli: [0, (t) => t.unixNs() / 1_000_000n],
  UnixMicro: [0, (t) => t.unixNs() / 1000n],
  UnixNano: [0, (t) => BigInt.asIntN(64, t.unixNs())],
  Format: [1, (t, a) => formatTime(t, stringArg(a, 0, 'Format'))],
  String: [0, (t) => formatValue(t)],
  In: [1, (t, a) => t.in(arg(a, 0, LOCATION, 'In'))],
  UTC: [0, (t) => t.in(Location.UTC)],
  Local: [0, (t) => t.in(Location.local())],
  Location: [0, (t) => t.loc],
  Add: [1, (t, a) => t.add(arg(a, 0, DURATION, 'Add'))],
  Sub: [1, (t, a) => t.sub(arg(a, 0, TIME, 'Sub'))],
  AddDate: [
    3,
    (t, a) => {
      const c = t.civil();
      const [y, m, d] = [0, 1, 2].map((i) => toIndex(a[i]));
      const civil = {
        year: c.year + y!,
        month: c.month + m!,
        day: c.day + d!,
        hour: c.hour,
        minute: c.minute,
        second: c.second,
      };
      return GoTime.fromCivil(civil, t.nsec, t.loc);
    },
  ],
  After: [1, (t, a) => t.compare(arg(a, 0, TIME, 'After')) > 0],
  Before: [1, (t, a) => t.compare(arg(a, 0, TIME, 'Before')) < 0],
  Equal: [1, (t, a) => t.compare(arg(a, 0, TIME, 'Equal')) === 0],
  Compare: [1, (t, a) => int(t.compare(arg(a, 0, TIME, 'Compare')))],
  IsZero: [0, (t) => t.isZero()],
  Truncate: [1, (t, a) => t.truncate(arg(a, 0, DURATION, 'Truncate'), false)],
  Round: [1, (t, a) => t.truncate(arg(a, 0, DURATION, 'Round'), true)],
};

const HOUR = 3_600_000_000_000n;
const MINUTE = 60_000_000_000n;
const SECOND = 1_000_000_000n;

/** Go's float conversion of a duration in a unit: whole units plus the fraction. */
function inUnit(ns: bigint, unit: bigint): number {
  return Number(ns / unit) + Number(ns % unit) / Number(unit);
}

function roundDuration(d: bigint, m: bigint, nearest: boolean): bigint {
  if (m <= 0n) return d;
  const r = d % m;
  if (!nearest) return d - r;
  if (d < 0n) return -r - r < m ? d - r : d - r - m;
  return r + r < m ? d - r : d - r + m;
}

const DURATION_METHODS: Record<string, [number, Method<GoDuration>]> = {
  Hours: [0, (d) => inUnit(d.ns, HOUR)],
  Minutes: [0, (d) => inUnit(d.ns, MINUTE)],
  Seconds: [0, (d) => inUnit(d.ns, SECOND)],
  Milliseconds: [0, (d) => d.ns / 1_000_000n],
  Microseconds: [0, (d) => d.ns / 1000n],
  Nanoseconds: [0, (d) => d.ns],
  String: [0, (d) => d.toString()],
  Abs: [0, (d) => new GoDuration(d.ns < 0n ? -d.ns : d.ns)],
  Round: [1, (d, a) => new GoDuration(roundDuration(d.ns, arg(a, 0, DURATION, 'Round').ns, true))],
  Truncate: [1, (d, a) => new GoDuration(roundDuration(d.ns, arg(a, 0, DURATION, 'Truncate').ns, false))],
};

const LOCATION_METHODS: Record<string, [number, Method<Location>]> = {
  String: [0, (l) => l.name],
};

const NAMED_INT_METHODS: Record<string, [number, Method<NamedInt>]> = {
  String: [0, (n) => n.name],
};

function lookup<T>(
  table: Record<string, [number, Method<T>]>,
  self: T,
  name: string,
  args: unknown[],
): unknown {
  const entry = Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
  if (!entry) throw new RuntimeFault(`type ${typeName(self)} has no method ${name}`);
  const [arity, method] = entry;
  if (args.length !== arity) {
    throw new RuntimeFault(`${args.length < arity ? 'not enough' : 'too many'} arguments to call ${name}`);
  }
  return method(self, args);
}

/** Call method `name` of `self`; only the whitelisted methods of Go time values exist. */
export function callMethod(self: unknown, name: string, args: unknown[]): unknown {
  if (self instanceof GoTime) return lookup(TIME_METHODS, self, name, args);
  if (self instanceof GoDuration) return lookup(DURATION_METHODS, self, name, args);
  if (self instanceof Location) return lookup(LOCATION_METHODS, self, name, args);
  if (self instanceof NamedInt) return lookup(NAMED_INT_METHODS, self, name, args);
  throw new RuntimeFault(`type ${typeName(self)} has no method ${name}`);
}
