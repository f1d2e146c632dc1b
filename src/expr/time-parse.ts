/** Go's `time.Parse` / `time.ParseInLocation` for reference-time layouts. */
import { RuntimeFault } from './errors.js';
import { GoTime, Location, MONTHS, WEEKDAYS } from './time.js';
import { isDigitAt, nextChunk, type Std } from './time-layout.js';

class Bad extends Error {}

interface Fields {
  year: number;
  month: number;
  day: number;
  yday: number;
  hour: number;
  minute: number;
  second: number;
  nsec: number;
  pm?: boolean;
  utc: boolean;
  offsetSec?: number;
  zoneName: string;
}

/** Go's `skip`: match literal layout text; a space in the layout matches a run of spaces. */
function skip(value: string, prefix: string): string {
  let v = value;
  let p = prefix;
  while (p.length > 0) {
    if (p[0] === ' ') {
      if (v.length > 0 && v[0] !== ' ') throw new Bad();
      p = p.replace(/^ +/, '');
      v = v.replace(/^ +/, '');
      continue;
    }
    if (v.length === 0 || v[0] !== p[0]) throw new Bad();
    p = p.slice(1);
    v = v.slice(1);
  }
  return v;
}

/** One or two digits (exactly two when `fixed`). */
function getNum(value: string, fixed: boolean): [number, string] {
  if (!isDigitAt(value, 0)) throw new Bad();
  if (!isDigitAt(value, 1)) {
    if (fixed) throw new Bad();
    return [Number(value[0]), value.slice(1)];
  }
  return [Number(value.slice(0, 2)), value.slice(2)];
}

function lookup(names: string[], value: string, len?: number): [number, string] {
  for (let i = 0; i < names.length; i++) {
    const name = len ? names[i]!.slice(0, len) : names[i]!;
    if (value.length >= name.length && value.slice(0, name.length).toLowerCase() === name.toLowerCase()) {
      return [i, value.slice(name.length)];
    }
  }
  throw new Bad();
}

function fractionNs(digits: string): number {
  return Number(digits.slice(0, 9).padEnd(9, '0'));
}

function parseOffset(value: string, std: Std): [number, string] {
  const form = std.slice(1);
  const colon = form.includes(':');
  const re =
    form === '07'
      ? /^([+-])(\d\d)/
      : form.length > 5
        ? colon
          ? /^([+-])(\d\d):(\d\d):(\d\d)/
          : /^([+-])(\d\d)(\d\d)(\d\d)/
        : colon
          ? /^([+-])(\d\d):(\d\d)/
          : /^([+-])(\d\d)(\d\d)/;
  const m = re.exec(value);
  if (!m) throw new Bad();
  const sec = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  return [m[1] === '-' ? -sec : sec, value.slice(m[0].length)];
}

/** Length of a time zone abbreviation at the start of `value` (Go's `parseTimeZone`), or 0. */
function zoneAbbrLength(value: string): number {
  const gmt = /^GMT(?:[+-]\d{1,2})?/.exec(value);
  if (gmt) return gmt[0].length;
  const m = /^[A-Z]{3,5}/.exec(value);
  if (!m) return 0;
  if (m[0].length === 4 && !m[0].endsWith('T')) return 0;
  return m[0].length;
}

function rangeCheck(what: string, v: number, min: number, max: number): void {
  if (v < min || v > max) throw new RuntimeFault(`${what} out of range`);
}

/** Parse one layout element, returning the rest of the value. */
function parseStd(std: Std, text: string, value: string, f: Fields, restLayout: string): string {
  let v = value;
  let n: number;
  switch (std) {
    case '2006':
      if (!/^\d{4}/.test(v)) throw new Bad();
      f.year = Number(v.slice(0, 4));
      return v.slice(4);
    case '06':
      if (!/^\d{2}/.test(v)) throw new Bad();
      n = Number(v.slice(0, 2));
      f.year = n >= 69 ? 1900 + n : 2000 + n;
      return v.slice(2);
    case 'January':
    case 'Jan':
      [n, v] = lookup(MONTHS, v, std === 'Jan' ? 3 : undefined);
      f.month = n + 1;
      return v;
    case 'Monday':
    case 'Mon':
      return lookup(WEEKDAYS, v, std === 'Mon' ? 3 : undefined)[1];
    case '1':
    case '01':
      [f.month, v] = getNum(v, std === '01');
      rangeCheck('month', f.month, 1, 12);
      return v;
    case '2':
    case '_2':
    case '02':
      if (std === '_2' && v[0] === ' ') v = v.slice(1);
      [f.day, v] = getNum(v, std === '02');
      return v;
    case '__2':
    case '002': {
      const m = (std === '__2' ? /^ {0,2}\d{1,3}/ : /^\d{3}/).exec(v);
      if (!m) throw new Bad();
      f.yday = Number(m[0].trim());
      rangeCheck('day-of-year', f.yday, 1, 366);
      return v.slice(m[0].length);
    }
    case '15':
      [f.hour, v] = getNum(v, false);
      rangeCheck('hour', f.hour, 0, 23);
      return v;
    case '3':
    case '03':
      [f.hour, v] = getNum(v, std === '03');
      rangeCheck('hour', f.hour, 0, 12);
      return v;
    case '4':
    case '04':
      [f.minute, v] = getNum(v, std === '04');
      rangeCheck('minute', f.minute, 0, 59);
      return v;
    case '5':
    case '05': {
      [f.second, v] = getNum(v, std === '05');
      rangeCheck('second', f.second, 0, 59);
      // A fraction may follow the seconds even when the layout has none.
      const next = nextChunk(restLayout);
      const m = /^[.,](\d+)/.exec(v);
      if (m && !(next.prefix === '' && (next.std === 'frac0' || next.std === 'frac9'))) {
        f.nsec = fractionNs(m[1]!);
        v = v.slice(m[0].length);
      }
      return v;
    }
    case 'PM':
    case 'pm': {
      const word = v.slice(0, 2);
      const [am, pm] = std === 'PM' ? ['AM', 'PM'] : ['am', 'pm'];
      if (word !== am && word !== pm) throw new Bad();
      f.pm = word === pm;
      return v.slice(2);
    }
    case 'MST': {
      if (v.startsWith('UTC')) {
        f.utc = true;
        return v.slice(3);
      }
      const len = zoneAbbrLength(v);
      if (len === 0) throw new Bad();
      f.zoneName = v.slice(0, len);
      return v.slice(len);
    }
    case 'frac0': {
      const digits = text.length - 1;
      const m = new RegExp(`^[.,](\\d{${digits}})`).exec(v);
      if (!m) throw new Bad();
      f.nsec = fractionNs(m[1]!);
      return v.slice(m[0].length);
    }
    case 'frac9': {
      const m = /^[.,](\d+)/.exec(v);
      if (!m) return v;
      f.nsec = fractionNs(m[1]!);
      return v.slice(m[0].length);
    }
    default:
      if (std.startsWith('Z') && v.startsWith('Z')) {
        f.utc = true;
        return v.slice(1);
      }
      [n, v] = parseOffset(v, std);
      f.offsetSec = n;
      return v;
  }
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(month: number, year: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/** Go's `time.ParseInLocation` (`time.Parse` is this with UTC). */
export function parseTime(layout: string, value: string, loc: Location = Location.UTC): GoTime {
  const q = JSON.stringify;
  const f: Fields = {
    year: 0,
    month: -1,
    day: -1,
    yday: -1,
    hour: 0,
    minute: 0,
    second: 0,
    nsec: 0,
    utc: false,
    zoneName: '',
  };
  let rest = layout;
  let v = value;
  while (true) {
    const chunk = nextChunk(rest);
    const before = v;
    try {
      v = skip(v, chunk.prefix);
    } catch {
      throw new RuntimeFault(
        `parsing time ${q(value)} as ${q(layout)}: cannot parse ${q(before)} as ${q(chunk.prefix)}`,
      );
    }
    rest = chunk.rest;
    if (!chunk.std) break;
    const at = v;
    try {
      v = parseStd(chunk.std, chunk.text, v, f, rest);
    } catch (err) {
      if (err instanceof RuntimeFault) throw new RuntimeFault(`parsing time ${q(value)}: ${err.message}`);
      throw new RuntimeFault(
        `parsing time ${q(value)} as ${q(layout)}: cannot parse ${q(at)} as ${q(chunk.text)}`,
      );
    }
  }
  if (v !== '') throw new RuntimeFault(`parsing time ${q(value)}: extra text: ${q(v)}`);
  return resolve(f, value, loc);
}

function resolve(f: Fields, value: string, loc: Location): GoTime {
  if (f.pm === true && f.hour < 12) f.hour += 12;
  if (f.pm === false && f.hour === 12) f.hour = 0;
  if (f.yday >= 0 && f.month < 0) {
    const d = new Date(Date.UTC(2001, 0, f.yday));
    d.setUTCFullYear(f.year, 0, f.yday);
    [f.month, f.day] = [d.getUTCMonth() + 1, d.getUTCDate()];
  }
  if (f.month < 0) f.month = 1;
  if (f.day < 0) f.day = 1;
  if (f.day < 1 || f.day > daysIn(f.month, f.year)) {
    throw new RuntimeFault(`parsing time ${JSON.stringify(value)}: day out of range`);
  }
  const civil = {
    year: f.year,
    month: f.month,
    day: f.day,
    hour: f.hour,
    minute: f.minute,
    second: f.second,
  };
  if (f.utc) return GoTime.fromCivil(civil, f.nsec, Location.UTC);
  if (f.offsetSec !== undefined || f.zoneName !== '') {
    const asUtc = GoTime.fromCivil(civil, f.nsec, Location.UTC);
    let offset = f.offsetSec;
    if (offset === undefined) {
      // An abbreviation: keep the location when it names the zone in effect, else record it with offset 0 (Go).
      const inLoc = GoTime.fromCivil(civil, f.nsec, loc);
      if (inLoc.zone().abbr === f.zoneName) return inLoc;
      const gmt = /^GMT([+-]\d+)$/.exec(f.zoneName);
      offset = gmt ? Number(gmt[1]) * 3600 : 0;
    }
    const t = new GoTime(asUtc.sec - offset, asUtc.nsec, loc);
    const zone = t.zone();
    if (zone.offsetSec === offset && (f.zoneName === '' || zone.abbr === f.zoneName)) return t;
    return t.in(Location.fixedZone(f.zoneName, offset));
  }
  return GoTime.fromCivil(civil, f.nsec, loc);
}
