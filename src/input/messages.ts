/**
 * Turning zod issues into the one-line messages users see (STYLE.md §5):
 * `<path>: <problem and what is allowed>`, with the path written as in the definition
 * (`tasks[1].retry.limit`) and bad values quoted and shortened.
 */
import { z } from 'zod';
import type { InputIssue } from '../errors.js';

const MAX_QUOTED = 40;
const MAX_LISTED_KEYS = 10;

/** A bad value as it should appear in a message: quoted, escaped and shortened. */
export function quote(value: unknown): string {
  if (typeof value === 'string') {
    const short = value.length > MAX_QUOTED ? `${value.slice(0, MAX_QUOTED - 3)}...` : value;
    return JSON.stringify(short);
  }
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a map';
  return String(value);
}

/** `['tasks', 1, 'retry', 'limit']` → `tasks[1].retry.limit`; odd keys → `env["MY VAR"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_][\w-]*$/.test(segment))
      out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/** The message of a zod issue, or `undefined` to keep the message set on the schema. */
function typeMessage(issue: z.core.$ZodIssueInvalidType): string {
  const input = issue.input;
  if (input === undefined) return 'is required';
  const got = ` (got ${quote(input)})`;
  switch (issue.expected) {
    case 'string':
      return `must be a string${got}`;
    case 'int':
      return `must be an integer${got}`;
    case 'number':
      return `must be a number${got}`;
    case 'boolean':
      return `must be true or false${got}`;
    case 'array':
      return `must be a list${got}`;
    case 'record':
      return `must be a map of names to strings${got}`;
    case 'object':
      return `must be a map of fields${got}`;
    default:
      return `must be ${issue.expected}${got}`;
  }
}

/**
 * The per-parse error map: zod calls it for every issue whose schema did not set its own
 * message. For unknown keys it records the allowed keys, read from the object schema itself;
 * `toInputIssues` turns that into one message per key.
 */
export function errorMap(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') return typeMessage(issue as unknown as z.core.$ZodIssueInvalidType);
  if (issue.code === 'unrecognized_keys') {
    const inst = issue.inst;
    const allowed = inst instanceof z.ZodObject ? Object.keys(inst.shape) : [];
    return `${ALLOWED_MARKER}${allowed.join(',')}`;
  }
  return undefined;
}

const ALLOWED_MARKER = 'allowed keys:';

/** Flatten zod issues into user issues, one per problem (one per unknown key). */
export function toInputIssues(issues: readonly z.core.$ZodIssue[]): InputIssue[] {
  const out: InputIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const allowed = issue.message.startsWith(ALLOWED_MARKER)
        ? issue.message.slice(ALLOWED_MARKER.length).split(',')
        : [];
      for (const key of issue.keys)
        out.push({ path: formatPath([...issue.path, key]), message: unknownKeyMessage(key, allowed) });
      continue;
    }
    out.push({ path: formatPath(issue.path), message: issue.message });
  }
  return dedupe(out);
}

/** `unknown field (allowed: a, b, ...)`, with a "did you mean" for a near miss (`cpu` → `cpus`). */
function unknownKeyMessage(key: string, allowed: string[]): string {
  if (allowed.length === 0 || allowed[0] === '') return 'unknown field';
  const shown =
    allowed.slice(0, MAX_LISTED_KEYS).join(', ') + (allowed.length > MAX_LISTED_KEYS ? ', ...' : '');
  const near = nearest(key, allowed);
  return near
    ? `unknown field, did you mean ${near}? (allowed: ${shown})`
    : `unknown field (allowed: ${shown})`;
}

/** The allowed key closest to `key`: same letters in another case, or a typo or two away (fewer for short keys). */
function nearest(key: string, allowed: string[]): string | undefined {
  const lower = key.toLowerCase();
  if (lower.length < 3) return undefined;
  const tolerance = lower.length <= 5 ? 1 : 2;
  let best: { key: string; distance: number } | undefined;
  for (const candidate of allowed) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance <= tolerance && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(
        Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function dedupe(issues: InputIssue[]): InputIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\n${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
