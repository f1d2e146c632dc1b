/** `now`, `date`, `duration`, `timezone`. */
import { RuntimeFault } from '../errors.js';
import { GoTime, Location } from '../time.js';
import { parseGoDuration } from '../time-duration.js';
import { parseTime } from '../time-parse.js';
import { argError, stringArg } from './args.js';
import { fn, type BuiltinFunction } from './types.js';

/** The layouts `date(s)` tries, in order (expr-lang's list). */
const DATE_LAYOUTS = [
  '2006-01-02',
  '15:04:05',
  '2006-01-02 15:04:05',
  '2006-01-02T15:04:05Z07:00',
  '02 Jan 06 15:04 MST',
  'Monday, 02-Jan-06 15:04:05 MST',
  'Mon, 02 Jan 2006 15:04:05 MST',
];

function date(args: unknown[]): GoTime {
  let rest = args;
  let loc: Location | undefined;
  if (rest[0] instanceof Location) {
    loc = rest[0];
    rest = rest.slice(1);
  }
  if (rest.length < 1 || rest.length > 3) {
    throw new RuntimeFault(`invalid number of arguments (expected 1 to 3, got ${rest.length})`);
  }
  const text = stringArg('date', rest, 0);
  if (rest.length >= 2) {
    const layout = stringArg('date', rest, 1);
    if (rest.length === 3) loc = Location.load(stringArg('date', rest, 2));
    return parseTime(layout, text, loc ?? Location.UTC);
  }
  for (const layout of DATE_LAYOUTS) {
    try {
      return parseTime(layout, text, loc ?? Location.UTC);
    } catch (err) {
      if (!(err instanceof RuntimeFault)) throw err;
    }
  }
  throw new RuntimeFault(`invalid date ${text}`);
}

export const DATE_FUNCTIONS: Record<string, BuiltinFunction> = {
  now: fn(0, 1, (a) => {
    if (a.length === 0) return GoTime.now();
    if (!(a[0] instanceof Location)) throw argError('now', a[0], '*time.Location');
    return GoTime.now().in(a[0]);
  }),
  duration: fn(1, 1, (a) => parseGoDuration(stringArg('duration', a, 0))),
  date: fn(1, 4, date),
  timezone: fn(1, 1, (a) => Location.load(stringArg('timezone', a, 0))),
};
