import { describe, expect, it } from 'vitest';
import { evaluateExpression } from '../../src/expr/evaluate.js';
import { GoTime } from '../../src/expr/time.js';
import { failure, show } from './helpers.js';

describe('date()', () => {
  it.each([
    ["date('2024-01-02')", '2024-01-02 00:00:00 +0000 UTC'],
    ["date('2024-01-02 15:04:05')", '2024-01-02 15:04:05 +0000 UTC'],
    ["date('2024-01-02T15:04:05Z')", '2024-01-02 15:04:05 +0000 UTC'],
    ["date('2024-01-02T15:04:05.123+02:00')", '2024-01-02 15:04:05.123 +0200 +0200'],
    ["date('02 Jan 24 15:04 UTC')", '2024-01-02 15:04:00 +0000 UTC'],
    ["date('Tuesday, 02-Jan-24 15:04:05 UTC')", '2024-01-02 15:04:05 +0000 UTC'],
    ["date('Tue, 02 Jan 2024 15:04:05 GMT')", '2024-01-02 15:04:05 +0000 GMT'],
    ["date('10/03/2024', '01/02/2006')", '2024-10-03 00:00:00 +0000 UTC'],
    ["date('3:04PM', '3:04PM')", '0000-01-01 15:04:00 +0000 UTC'],
    ["date('2024-07-01 12:00', '2006-01-02 15:04', 'Europe/Paris')", '2024-07-01 12:00:00 +0200 CEST'],
    ["date(timezone('America/New_York'), '2024-01-02')", '2024-01-02 00:00:00 -0500 EST'],
  ])('%s prints %s', (source, printed) => {
    expect(show(source)).toBe(printed);
  });

  it('refuses text matching no default layout', () => {
    expect(failure("date('soon')")).toBe("error evaluating expression: date('soon'): invalid date soon");
  });

  it('explains a layout mismatch', () => {
    expect(failure("date('2024-13-01', '2006-01-02')")).toBe(
      `error evaluating expression: date('2024-13-01', '2006-01-02'): parsing time "2024-13-01": month out of range`,
    );
    expect(failure("date('2024/01/01', '2006-01-02')")).toBe(
      `error evaluating expression: date('2024/01/01', '2006-01-02'): parsing time "2024/01/01" as "2006-01-02": cannot parse "/01/01" as "-"`,
    );
    expect(failure("date('2024-02-30', '2006-01-02')")).toBe(
      `error evaluating expression: date('2024-02-30', '2006-01-02'): parsing time "2024-02-30": day out of range`,
    );
  });

  it('refuses an unknown time zone', () => {
    expect(failure("timezone('Mars/Base')")).toBe(
      "error evaluating expression: timezone('Mars/Base'): unknown time zone Mars/Base",
    );
  });
});

describe('time arithmetic and methods', () => {
  it('adds and subtracts durations', () => {
    expect(show("date('2024-01-02') + duration('36h')")).toBe('2024-01-03 12:00:00 +0000 UTC');
    expect(show("duration('1h') + date('2024-01-02')")).toBe('2024-01-02 01:00:00 +0000 UTC');
    expect(show("date('2024-01-02') - duration('1m')")).toBe('2024-01-01 23:59:00 +0000 UTC');
    expect(show("date('2024-01-03') - date('2024-01-02')")).toBe('24h0m0s');
    expect(show("duration('1h') - duration('90m')")).toBe('-30m0s');
    expect(show("duration('1m') * 3")).toBe('3m0s');
    expect(show("duration('1h') / duration('30m')")).toBe('2');
  });

  it('compares times and durations', () => {
    expect(show("date('2024-01-02') > date('2024-01-01')")).toBe('true');
    expect(show("date('2024-01-02T02:00:00+02:00') == date('2024-01-02')")).toBe('true');
    expect(show("duration('1h') > duration('59m')")).toBe('true');
    expect(show("now() > date('2020-01-01')")).toBe('true');
  });

  it('answers Go time methods', () => {
    const t = "date('2024-03-10T13:04:05.25Z')";
    expect(show(`${t}.Year()`)).toBe('2024');
    expect(show(`${t}.Month()`)).toBe('March');
    expect(show(`${t}.Month() == 3`)).toBe('true');
    expect(show(`${t}.Day()`)).toBe('10');
    expect(show(`${t}.Hour()`)).toBe('13');
    expect(show(`${t}.Minute()`)).toBe('4');
    expect(show(`${t}.Second()`)).toBe('5');
    expect(show(`${t}.Nanosecond()`)).toBe('250000000');
    expect(show(`${t}.Weekday()`)).toBe('Sunday');
    expect(show(`${t}.YearDay()`)).toBe('70');
    expect(show(`${t}.Unix()`)).toBe('1710075845');
    expect(show(`${t}.UnixMilli()`)).toBe('1710075845250');
    expect(show(`${t}.Format('Mon Jan _2 03:04:05.000 PM 2006 -07:00')`)).toBe(
      'Sun Mar 10 01:04:05.250 PM 2024 +00:00',
    );
    expect(show(`${t}.Format(\`2006-01-02T15:04:05Z07:00\`)`)).toBe('2024-03-10T13:04:05Z');
    expect(show(`${t}.In(timezone('Asia/Tokyo')).Hour()`)).toBe('22');
    expect(show(`${t}.AddDate(0, 1, -10)`)).toBe('2024-03-31 13:04:05.25 +0000 UTC');
    expect(show(`${t}.Truncate(duration('1h'))`)).toBe('2024-03-10 13:00:00 +0000 UTC');
    expect(show(`${t}.Round(duration('1h'))`)).toBe('2024-03-10 13:00:00 +0000 UTC');
    expect(show(`${t}.Before(now())`)).toBe('true');
    expect(show(`${t}.Sub(date('2024-03-10'))`)).toBe('13h4m5.25s');
  });

  it('answers Go duration methods and prints durations', () => {
    expect(show("duration('90m').Hours()")).toBe('1.5');
    expect(show("duration('90s').Minutes()")).toBe('1.5');
    expect(show("duration('1500ms').Seconds()")).toBe('1.5');
    expect(show("duration('1.5s').Milliseconds()")).toBe('1500');
    expect(show("duration('-2s').Abs()")).toBe('2s');
    expect(show("duration('1h10m').Round(duration('1h'))")).toBe('1h0m0s');
    expect(show("duration('300ms')")).toBe('300ms');
    expect(show("duration('1µs')")).toBe('1µs');
    expect(show("duration('2h45m0.5s')")).toBe('2h45m0.5s');
    expect(show("duration('0')")).toBe('0s');
  });

  it('refuses malformed durations with Go messages', () => {
    expect(failure("duration('1d')")).toBe(
      `error evaluating expression: duration('1d'): time: unknown unit "d" in duration "1d"`,
    );
    expect(failure("duration('5')")).toBe(
      `error evaluating expression: duration('5'): time: missing unit in duration "5"`,
    );
    expect(failure("duration('x')")).toBe(
      `error evaluating expression: duration('x'): time: invalid duration "x"`,
    );
  });

  it('refuses unknown methods', () => {
    expect(failure('now().Explode()')).toBe(
      'error evaluating expression: now().Explode(): type time.Time has no method Explode',
    );
    expect(failure("'a'.Len()")).toBe(
      "error evaluating expression: 'a'.Len(): type string has no method Len",
    );
  });

  it('gives the current time from now()', () => {
    const before = Date.now();
    const t = evaluateExpression('now()', {}) as GoTime;
    expect(t).toBeInstanceOf(GoTime);
    expect(t.toDate().getTime()).toBeGreaterThanOrEqual(before - 1);
  });

  it('reads a JS Date in the context as a UTC time', () => {
    const ctx = { job: { CreatedAt: new Date('2024-05-06T07:08:09.010Z') } };
    expect(show('job.CreatedAt', ctx)).toBe('2024-05-06 07:08:09.01 +0000 UTC');
    expect(show('job.CreatedAt.Year()', ctx)).toBe('2024');
  });
});
