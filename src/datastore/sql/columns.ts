/**
 * Column-level conversions shared by the row mappings in records.ts: timestamps as epoch
 * milliseconds, JSON text that keeps nested dates (as `{"$date": ms}`), and the diff that lets an
 * update write only the columns that changed.
 */
import type { Millis } from './tables.js';

// ---- scalars -------------------------------------------------------------------------------

export function toMillis(date: Date | undefined): number | null {
  return date ? date.getTime() : null;
}

export function toDate(value: Millis | null | undefined): Date | undefined {
  return value === null || value === undefined ? undefined : new Date(Number(value));
}

export function requireDate(value: Millis): Date {
  return new Date(Number(value));
}

export function orUndefined<T>(value: T | null): T | undefined {
  return value === null ? undefined : value;
}

/** PostgreSQL rejects NUL in text; Tork strips it from task errors and results. */
export function stripNul(value: string | undefined): string | undefined {
  return value?.replaceAll('\u0000', '');
}

// ---- JSON ----------------------------------------------------------------------------------

const DATE_KEY = '$date';

/** `JSON.stringify` that keeps nested `Date`s recognisable. `this[key]` is the value before `toJSON`. */
function dateReplacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? { [DATE_KEY]: raw.getTime() } : value;
}

function dateReviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && DATE_KEY in value) {
    const ms = (value as Record<string, unknown>)[DATE_KEY];
    if (typeof ms === 'number' && Object.keys(value).length === 1) return new Date(ms);
  }
  return value;
}

export function toJson(value: unknown): string {
  // A replacer sends V8 down its slow path, calling back into JavaScript for every key: twice
  // the time of the walk that finds no date, which is what the engine writes on every task.
  return containsDate(value) ? JSON.stringify(value, dateReplacer) : JSON.stringify(value);
}

function containsDate(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (value instanceof Date) return true;
  if (Array.isArray(value)) return value.some(containsDate);
  for (const key of Object.keys(value)) if (containsDate((value as Record<string, unknown>)[key])) return true;
  return false;
}

export function fromJson<T>(text: string): T {
  // The reviver costs a call per value: skip it when no date was stored.
  return (text.includes(`"${DATE_KEY}"`) ? JSON.parse(text, dateReviver) : JSON.parse(text)) as T;
}

/**
 * The columns of `next` whose value differs from the stored row, or undefined when none does.
 * Updates write only these, so that unchanged indexed columns leave their indexes untouched.
 */
export function changedColumns<T extends object>(stored: object, next: T): Partial<T> | undefined {
  const changed: Partial<T> = {};
  let any = false;
  for (const [key, value] of Object.entries(next) as [keyof T & string, unknown][]) {
    const old = (stored as Record<string, unknown>)[key];
    // Drivers may return numbers as strings (PostgreSQL bigint): compare as text.
    const same =
      old === null || old === undefined
        ? value === null || value === undefined
        : String(old) === String(value);
    if (!same) {
      changed[key] = value as T[typeof key];
      any = true;
    }
  }
  return any ? changed : undefined;
}

export function optionalJson(value: unknown): string | null {
  return value === undefined ? null : toJson(value);
}

export function fromOptionalJson<T>(text: string | null): T | undefined {
  return text === null ? undefined : fromJson<T>(text);
}

/** Copy only the defined values, so that reads carry no `key: undefined` noise. */
export function assignDefined<T extends object>(target: T, values: Partial<T>): void {
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  }
}
