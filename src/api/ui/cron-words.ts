/**
 * A cron string in words ("at 02:00 on Monday to Friday"), for the scheduled-jobs page and the
 * editor. Common shapes get a sentence; anything else gets each field spelled out.
 */
import { MONTHS, WEEKDAYS } from '../../expr/time.js';

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

// Cron allows 7 for Sunday as well as 0.
const DAYS = [...WEEKDAYS, 'Sunday'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

const isNumber = (field: string): boolean => /^\d+$/.test(field);
const pad = (n: string): string => n.padStart(2, '0');

/** A list/range field in words, with names for days and months. */
function listInWords(field: string, name: (n: string) => string): string {
  return field
    .split(',')
    .map((part) => {
      const [range, step] = part.split('/');
      const [from, to] = (range ?? '').split('-');
      let text =
        range === '*' ? 'every' : to !== undefined ? `${name(from!)} to ${name(to)}` : name(from ?? '');
      if (step) text = range === '*' ? `every ${step}` : `${text}, every ${step}`;
      return text;
    })
    .join(', ');
}

function dayName(text: string): string {
  const upper = text.toUpperCase();
  const byName = DAY_NAMES.indexOf(upper);
  if (byName >= 0) return DAYS[byName]!;
  return isNumber(text) ? (DAYS[Number(text)] ?? text) : text;
}

function monthName(text: string): string {
  const upper = text.toUpperCase();
  const byName = MONTH_NAMES.indexOf(upper);
  if (byName >= 0) return MONTHS[byName]!;
  return isNumber(text) ? (MONTHS[Number(text) - 1] ?? text) : text;
}

function timeOfDay(minute: string, hour: string): string | undefined {
  if (isNumber(minute) && isNumber(hour)) return `at ${pad(hour)}:${pad(minute)}`;
  if (isNumber(minute) && hour === '*')
    return minute === '0' ? 'every hour, on the hour' : `every hour at minute ${minute}`;
  if (minute === '*' && hour === '*') return 'every minute';
  const everyMinutes = /^\*\/(\d+)$/.exec(minute);
  if (everyMinutes && hour === '*') return `every ${everyMinutes[1]} minutes`;
  const everyHours = /^\*\/(\d+)$/.exec(hour);
  if (isNumber(minute) && everyHours) return `every ${everyHours[1]} hours at minute ${minute}`;
  if (isNumber(minute) && /^[\d,-]+$/.test(hour))
    return `at minute ${minute} past hour ${listInWords(hour, (h) => h)}`;
  return undefined;
}

/** The cron string in words; `undefined` only for an empty string. */
export function describeCron(text: string): string | undefined {
  let rest = text.trim();
  if (rest === '') return undefined;
  let zone = '';
  const prefix = /^(?:CRON_TZ|TZ)=(\S+)\s+/.exec(rest);
  if (prefix) {
    zone = ` (${prefix[1]} time)`;
    rest = rest.slice(prefix[0].length);
  }
  const every = /^@every\s+(\S+)$/.exec(rest);
  if (every) return `every ${every[1]}${zone}`;
  const fields = (DESCRIPTORS[rest.toLowerCase()] ?? rest).split(/\s+/);
  if (fields.length !== 5) return `${rest}${zone}`;
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  const time = timeOfDay(minute, hour);
  if (!time) {
    return `minute ${minute}, hour ${hour}, day-of-month ${dom}, month ${month}, day-of-week ${dow}${zone}`;
  }
  const parts = [time];
  if (dom !== '*' && dom !== '?') parts.push(`on day ${listInWords(dom, (d) => d)} of the month`);
  if (dow !== '*' && dow !== '?') parts.push(`on ${listInWords(dow, dayName)}`);
  if (month !== '*') parts.push(`in ${listInWords(month, monthName)}`);
  if (parts.length === 1 && isNumber(minute) && isNumber(hour)) parts.push('every day');
  return parts.join(' ') + zone;
}
