/**
 * Go reference-time layouts (`2006-01-02 15:04:05.999999999 -0700 MST`): formatting and
 * parsing, following the chunk rules of Go's `time` package.
 */
import { MONTHS, WEEKDAYS, type Civil, type GoTime } from './time.js';

export type Std =
  | 'January'
  | 'Jan'
  | '1'
  | '01'
  | 'Monday'
  | 'Mon'
  | '2'
  | '_2'
  | '02'
  | '__2'
  | '002'
  | '15'
  | '3'
  | '03'
  | '4'
  | '04'
  | '5'
  | '05'
  | '2006'
  | '06'
  | 'PM'
  | 'pm'
  | 'MST'
  | 'Z070000'
  | 'Z07:00:00'
  | 'Z0700'
  | 'Z07:00'
  | 'Z07'
  | '-070000'
  | '-07:00:00'
  | '-0700'
  | '-07:00'
  | '-07'
  | 'frac0'
  | 'frac9';

export interface Chunk {
  prefix: string;
  std?: Std;
  /** The layout text of the chunk, for messages and fraction widths (`.000`). */
  text: string;
}

const ZERO_X: Std[] = ['01', '02', '03', '04', '05', '06'];
const TZ_FORMS = ['070000', '07:00:00', '0700', '07:00', '07'];

function startsLower(s: string): boolean {
  return s.length > 0 && s[0]! >= 'a' && s[0]! <= 'z';
}

export function isDigitAt(s: string, i: number): boolean {
  const c = s[i];
  return c !== undefined && c >= '0' && c <= '9';
}

/** Go's `nextStdChunk`: the literal prefix and the first layout element of `layout`. */
export function nextChunk(layout: string): Chunk & { rest: string } {
  for (let i = 0; i < layout.length; i++) {
    const hit = (std: Std, len: number, from = i): Chunk & { rest: string } => ({
      prefix: layout.slice(0, from),
      std,
      text: layout.slice(from, i + len),
      rest: layout.slice(i + len),
    });
    const at = (s: string) => layout.startsWith(s, i);
    switch (layout[i]) {
      case 'J':
        if (at('January')) return hit('January', 7);
        if (at('Jan') && !startsLower(layout.slice(i + 3))) return hit('Jan', 3);
        break;
      case 'M':
        if (at('Monday')) return hit('Monday', 6);
        if (at('Mon') && !startsLower(layout.slice(i + 3))) return hit('Mon', 3);
        if (at('MST')) return hit('MST', 3);
        break;
      case '0': {
        const d = layout[i + 1];
        if (d !== undefined && d >= '1' && d <= '6') return hit(ZERO_X[Number(d) - 1]!, 2);
        if (at('002')) return hit('002', 3);
        break;
      }
      case '1':
        return at('15') ? hit('15', 2) : hit('1', 1);
      case '2':
        return at('2006') ? hit('2006', 4) : hit('2', 1);
      case '_':
        if (at('_2006'))
          return { prefix: layout.slice(0, i + 1), std: '2006', text: '2006', rest: layout.slice(i + 5) };
        if (at('_2')) return hit('_2', 2);
        if (at('__2')) return hit('__2', 3);
        break;
      case '3':
      case '4':
      case '5':
        return hit(layout[i] as Std, 1);
      case 'P':
        if (at('PM')) return hit('PM', 2);
        break;
      case 'p':
        if (at('pm')) return hit('pm', 2);
        break;
      case '-':
      case 'Z':
        for (const form of TZ_FORMS) {
          if (at(layout[i] + form)) return hit(`${layout[i]}${form}` as Std, form.length + 1);
        }
        break;
      case '.':
      case ',': {
        const ch = layout[i + 1];
        if (ch === '0' || ch === '9') {
          let j = i + 1;
          while (layout[j] === ch) j++;
          if (!isDigitAt(layout, j)) return hit(ch === '0' ? 'frac0' : 'frac9', j - i);
        }
        break;
      }
    }
  }
  return { prefix: layout, text: '', rest: '' };
}

const pad = (n: number, width: number, fill = '0') => String(n).padStart(width, fill);

function formatOffset(offsetSec: number, std: Std): string {
  if (std.startsWith('Z') && offsetSec === 0) return 'Z';
  const sign = offsetSec < 0 ? '-' : '+';
  const abs = Math.abs(offsetSec);
  const [hh, mm, ss] = [
    pad(Math.floor(abs / 3600), 2),
    pad(Math.floor((abs % 3600) / 60), 2),
    pad(abs % 60, 2),
  ];
  const form = std.slice(1);
  if (form === '07') return `${sign}${hh}`;
  const colon = form.includes(':') ? ':' : '';
  const seconds = form.length > 5 ? `${colon}${ss}` : '';
  return `${sign}${hh}${colon}${mm}${seconds}`;
}

function formatFraction(nsec: number, text: string, std: Std): string {
  const digits = pad(nsec, 9).slice(0, text.length - 1);
  if (std === 'frac0') return `${text[0]}${digits}`;
  const trimmed = digits.replace(/0+$/, '');
  return trimmed === '' ? '' : `${text[0]}${trimmed}`;
}

interface Parts {
  c: Civil;
  t: GoTime;
  zone: { offsetSec: number; abbr: string };
  text: string;
}

const hour12 = (h: number) => (h % 12 === 0 ? 12 : h % 12);

/** How each layout element prints. */
const FORMATTERS: Record<Std, (p: Parts) => string> = {
  January: ({ c }) => MONTHS[c.month - 1]!,
  Jan: ({ c }) => MONTHS[c.month - 1]!.slice(0, 3),
  '1': ({ c }) => String(c.month),
  '01': ({ c }) => pad(c.month, 2),
  Monday: ({ c }) => WEEKDAYS[c.weekday]!,
  Mon: ({ c }) => WEEKDAYS[c.weekday]!.slice(0, 3),
  '2': ({ c }) => String(c.day),
  _2: ({ c }) => pad(c.day, 2, ' '),
  '02': ({ c }) => pad(c.day, 2),
  __2: ({ c }) => pad(c.yearDay, 3, ' '),
  '002': ({ c }) => pad(c.yearDay, 3),
  '15': ({ c }) => pad(c.hour, 2),
  '3': ({ c }) => String(hour12(c.hour)),
  '03': ({ c }) => pad(hour12(c.hour), 2),
  '4': ({ c }) => String(c.minute),
  '04': ({ c }) => pad(c.minute, 2),
  '5': ({ c }) => String(c.second),
  '05': ({ c }) => pad(c.second, 2),
  '2006': ({ c }) => pad(c.year, 4),
  '06': ({ c }) => pad(((c.year % 100) + 100) % 100, 2),
  PM: ({ c }) => (c.hour >= 12 ? 'PM' : 'AM'),
  pm: ({ c }) => (c.hour >= 12 ? 'pm' : 'am'),
  MST: ({ zone }) => (zone.abbr !== '' ? zone.abbr : formatOffset(zone.offsetSec, '-0700')),
  frac0: ({ t, text }) => formatFraction(t.nsec, text, 'frac0'),
  frac9: ({ t, text }) => formatFraction(t.nsec, text, 'frac9'),
  Z070000: ({ zone }) => formatOffset(zone.offsetSec, 'Z070000'),
  'Z07:00:00': ({ zone }) => formatOffset(zone.offsetSec, 'Z07:00:00'),
  Z0700: ({ zone }) => formatOffset(zone.offsetSec, 'Z0700'),
  'Z07:00': ({ zone }) => formatOffset(zone.offsetSec, 'Z07:00'),
  Z07: ({ zone }) => formatOffset(zone.offsetSec, 'Z07'),
  '-070000': ({ zone }) => formatOffset(zone.offsetSec, '-070000'),
  '-07:00:00': ({ zone }) => formatOffset(zone.offsetSec, '-07:00:00'),
  '-0700': ({ zone }) => formatOffset(zone.offsetSec, '-0700'),
  '-07:00': ({ zone }) => formatOffset(zone.offsetSec, '-07:00'),
  '-07': ({ zone }) => formatOffset(zone.offsetSec, '-07'),
};

/** Go's `Time.Format`. */
export function formatTime(t: GoTime, layout: string): string {
  const c = t.civil();
  const zone = t.zone();
  let out = '';
  let rest = layout;
  while (rest !== '') {
    const chunk = nextChunk(rest);
    out += chunk.prefix;
    rest = chunk.rest;
    if (!chunk.std) break;
    out += FORMATTERS[chunk.std]({ c, t, zone, text: chunk.text });
  }
  return out;
}
