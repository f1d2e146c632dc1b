/**
 * Value kinds a config key can hold, each with one parser that accepts both a TOML value and
 * the text of a `DROVER_*` variable. A parser returns the value or a `problem` phrase that
 * completes `<key>: <raw> <problem>`, so every error reads the same way.
 */
import { parseDuration } from '../duration.js';

export type Parsed<T> = { value: T } | { problem: string };

export interface ValueType<T> {
  /** `raw` is a TOML value, or a string when it comes from an environment variable. */
  parse(raw: unknown, fromEnv: boolean): Parsed<T>;
}

export function stringValue(): ValueType<string> {
  return {
    parse: (raw) => {
      // A bare TOML number where a string is expected (`cpus = 2`) means the obvious thing.
      if (typeof raw === 'number' && Number.isFinite(raw)) return { value: String(raw) };
      return typeof raw === 'string' ? { value: raw } : { problem: 'is not a string' };
    },
  };
}

/** Case-insensitive choice; `aliases` map extra spellings onto allowed values. */
export function enumValue<T extends string>(
  allowed: readonly T[],
  aliases: Record<string, T> = {},
): ValueType<T> {
  return {
    parse: (raw) => {
      const text = typeof raw === 'string' ? raw.toLowerCase() : undefined;
      const value = text === undefined ? undefined : (allowed.find((a) => a === text) ?? aliases[text]);
      return value === undefined ? { problem: `is not one of ${allowed.join(', ')}` } : { value };
    },
  };
}

const TRUE_TEXT = ['true', '1', 't'];
const FALSE_TEXT = ['false', '0', 'f'];

/** TOML booleans, or Go's `strconv.ParseBool` spellings in any case. */
export function booleanValue(): ValueType<boolean> {
  return {
    parse: (raw) => {
      if (typeof raw === 'boolean') return { value: raw };
      const text = typeof raw === 'string' ? raw.toLowerCase() : undefined;
      if (text !== undefined && TRUE_TEXT.includes(text)) return { value: true };
      if (text !== undefined && FALSE_TEXT.includes(text)) return { value: false };
      return { problem: 'is not a boolean (true, false, 1, 0, t or f)' };
    },
  };
}

export function integerValue(min: number): ValueType<number> {
  const problem = `is not a whole number of at least ${min}`;
  return {
    parse: (raw) => {
      let n: number | undefined;
      if (typeof raw === 'number') n = raw;
      else if (typeof raw === 'string' && /^\s*[-+]?\d+\s*$/.test(raw)) n = Number(raw);
      return n !== undefined && Number.isSafeInteger(n) && n >= min ? { value: n } : { problem };
    },
  };
}

/**
 * A Go duration (`30s`, `1h30m`) in milliseconds. A TOML integer counts nanoseconds, as it
 * does in Tork's config.
 */
export function durationValue(minMs = 0, minText = '0s'): ValueType<number> {
  return {
    parse: (raw) => {
      let ms: number | undefined;
      if (typeof raw === 'number' && Number.isInteger(raw)) ms = raw / 1e6;
      else if (typeof raw === 'string') ms = parseDuration(raw.trim());
      if (ms === undefined) return { problem: 'is not a duration such as 30s, 5m or 1h30m' };
      return ms < minMs ? { problem: `is shorter than the minimum of ${minText}` } : { value: ms };
    },
  };
}

/** An optional Go duration kept as text (task defaults such as `worker.limits.timeout`). */
export function durationTextValue(): ValueType<string> {
  return {
    parse: (raw) => {
      if (raw === '') return { value: '' };
      const ok = typeof raw === 'string' && parseDuration(raw.trim()) !== undefined;
      return ok ? { value: raw.trim() } : { problem: 'is not a duration such as 30s, 5m or 1h30m' };
    },
  };
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(?:([kmgtp])(i)?)?b?$/i;
const SIZE_POWER: Record<string, number> = { k: 1, m: 2, g: 3, t: 4, p: 5 };

/** A size in bytes: `500K` (decimal, ×1000), `1Mi` (binary, ×1024), `2MB`, or a plain number. */
export function sizeValue(): ValueType<number> {
  const problem = 'is not a size such as 500K, 1M or 1Mi';
  return {
    parse: (raw) => {
      if (typeof raw === 'number')
        return Number.isSafeInteger(raw) && raw >= 0 ? { value: raw } : { problem };
      const m = typeof raw === 'string' ? SIZE.exec(raw.trim()) : null;
      if (!m) return { problem };
      const power = m[2] ? SIZE_POWER[m[2].toLowerCase()]! : 0;
      const base = m[3] ? 1024 : 1000;
      return { value: Math.floor(Number(m[1]) * base ** power) };
    },
  };
}

/**
 * A list of strings: a TOML array, a single TOML string (a one-element list, as Tork reads
 * it), or comma-separated text from the environment. `check` vets each item.
 */
export function stringListValue(check?: (item: string) => string | undefined): ValueType<string[]> {
  return {
    parse: (raw, fromEnv) => {
      let items: unknown[];
      if (Array.isArray(raw)) items = raw;
      else if (typeof raw === 'string' && fromEnv)
        items = raw === '' ? [] : raw.split(',').map((s) => s.trim());
      else if (typeof raw === 'string') items = [raw];
      else return { problem: 'is not a list of strings' };
      if (!items.every((item): item is string => typeof item === 'string'))
        return { problem: 'is not a list of strings' };
      for (const item of items) {
        const problem = check?.(item);
        if (problem) return { problem };
      }
      return { value: items };
    },
  };
}

/** `NAME` or `NAME:ALIAS` (`middleware.task.hostenv.vars`). */
export function checkHostEnvSpec(item: string): string | undefined {
  return /^[^:]+(:[^:]+)?$/.test(item)
    ? undefined
    : `has ${JSON.stringify(item)}, which is not NAME or NAME:ALIAS`;
}

/** An `http://` or `https://` URL. */
export function urlValue(protocols: readonly string[]): ValueType<string> {
  const problem = `is not a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`;
  return {
    parse: (raw) => {
      if (typeof raw !== 'string' || !URL.canParse(raw)) return { problem };
      return protocols.includes(new URL(raw).protocol) ? { value: raw } : { problem };
    },
  };
}

/** `host:port`, `:port`, or empty (let the engine choose). */
export function addressValue(): ValueType<string> {
  return {
    parse: (raw) => {
      if (raw === '') return { value: '' };
      const m = typeof raw === 'string' ? /:(\d{1,5})$/.exec(raw) : null;
      const ok = m !== null && Number(m[1]) <= 65535;
      return ok ? { value: raw as string } : { problem: 'is not an address such as 127.0.0.1:8000 or :8000' };
    },
  };
}

/** Quote a bad value for an error message, shortened so a pasted secret or blob stays short. */
export function quoteValue(raw: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(raw) ?? String(raw);
  } catch {
    text = String(raw);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
