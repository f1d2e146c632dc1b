/**
 * Cron strings of scheduled jobs, checked by what the scheduler (croner) can run.
 *
 * Accepted (as Tork's scheduler, robfig/cron, accepts them):
 * - five fields `minute hour day-of-month month day-of-week` with `*`, lists, ranges, steps and
 *   month/day names (croner also takes `?`, `L`, `W` and `#`);
 * - the descriptors `@yearly`/`@annually`, `@monthly`, `@weekly`, `@daily`/`@midnight`, `@hourly`;
 * - `@every <duration>` (Go duration, at least 1s): a fixed interval;
 * - an optional `CRON_TZ=<zone> ` or `TZ=<zone> ` prefix (IANA zone name).
 *
 * Rejected at submit, where Tork stored them and never fired: 6 or 7 fields, `@reboot`,
 * trailing text, unknown zones and patterns that match no date (`0 0 30 2 *`).
 */
import { Cron } from 'croner';
import { parseDuration } from '../duration.js';
import { quote } from './messages.js';

/** A parsed cron string, ready for the scheduler. */
export type CronSpec =
  | { kind: 'pattern'; /** Five croner fields. */ pattern: string; timezone?: string }
  | { kind: 'every'; everyMs: number; timezone?: string };

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MIN_EVERY_MS = 1000;

const HOW =
  'use 5 fields (minute hour day-of-month month day-of-week, e.g. "0 2 * * *") ' +
  'or @hourly, @daily, @weekly, @monthly, @yearly, @every <duration>';

/** Parse a cron string; throws an `Error` whose message says what is wrong and what is allowed. */
export function parseCron(text: string): CronSpec {
  const { rest, timezone } = splitZone(text.trim());
  const spec = parseSchedule(rest, text);
  if (timezone !== undefined) spec.timezone = timezone;
  if (spec.kind === 'pattern') assertFires(spec, text);
  return spec;
}

/** The problem with a cron string, or `undefined` when the scheduler can run it. */
export function checkCron(text: string): string | undefined {
  try {
    parseCron(text);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function splitZone(text: string): { rest: string; timezone?: string } {
  const prefix = /^(?:CRON_TZ|TZ)=(\S*)\s*/.exec(text);
  if (!prefix) return { rest: text };
  const timezone = prefix[1] ?? '';
  if (!isTimeZone(timezone))
    throw new Error(`unknown time zone ${quote(timezone)} (use an IANA name such as Europe/Paris)`);
  return { rest: text.slice(prefix[0].length), timezone };
}

function isTimeZone(zone: string): boolean {
  if (zone === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function parseSchedule(rest: string, original: string): CronSpec {
  if (rest.startsWith('@every')) return parseEvery(rest, original);
  if (rest.startsWith('@')) {
    const pattern = DESCRIPTORS[rest.toLowerCase()];
    if (!pattern) throw new Error(`${quote(original)} is not a supported cron descriptor (${HOW})`);
    return { kind: 'pattern', pattern };
  }
  const fields = rest.split(/\s+/).filter((field) => field !== '');
  if (fields.length !== 5) {
    throw new Error(
      `${quote(original)} has ${fields.length} field${fields.length === 1 ? '' : 's'} (${HOW})`,
    );
  }
  return { kind: 'pattern', pattern: fields.join(' ') };
}

function parseEvery(rest: string, original: string): CronSpec {
  const match = /^@every\s+(\S+)$/.exec(rest);
  const ms = match ? parseDuration(match[1] ?? '') : undefined;
  if (ms === undefined)
    throw new Error(`${quote(original)} is not a valid @every schedule (e.g. @every 1h30m)`);
  if (ms < MIN_EVERY_MS) throw new Error(`${quote(original)}: the interval must be at least 1s`);
  return { kind: 'every', everyMs: ms };
}

function assertFires(spec: { pattern: string; timezone?: string }, original: string): void {
  let next: Date | null;
  try {
    const cron = new Cron(spec.pattern, { paused: true, mode: '5-part', timezone: spec.timezone });
    next = cron.nextRun();
    cron.stop();
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).replace(/^CronPattern: /, '');
    throw new Error(`${quote(original)} is not a valid cron expression: ${lowerFirst(reason)}`);
  }
  if (next === null) throw new Error(`${quote(original)} never fires (no date matches it)`);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
