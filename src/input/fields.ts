/**
 * Building blocks for the definition schemas. Each helper reads a field both from JSON and from
 * a decoded YAML tree (see `yaml.ts`): string fields take a YAML scalar's literal text, typed
 * fields (integers, numbers, booleans, lists, maps) take its typed value. `null` (`key:` or
 * `key: ~` in YAML, `null` in JSON) means "not given", as in Tork.
 */
import { z } from 'zod';
import type { Check } from './checks.js';
import { quote } from './messages.js';
import { YamlScalar } from './yaml.js';

function toText(value: unknown): unknown {
  if (value instanceof YamlScalar) return value.value === null ? undefined : value.source;
  return value === null ? undefined : value;
}

/** Map values and list items: Go decodes `null` there as the empty string. */
function toItemText(value: unknown): unknown {
  if (value instanceof YamlScalar) return value.value === null ? '' : value.source;
  return value === null ? '' : value;
}

function toTyped(value: unknown): unknown {
  if (value instanceof YamlScalar) return value.value === null ? undefined : value.value;
  return value === null ? undefined : value;
}

function skipEmpty(check: Check | undefined): Check | undefined {
  return check && ((text) => (text === '' ? undefined : check(text)));
}

function withCheck(schema: z.ZodString, check: Check | undefined): z.ZodString {
  if (!check) return schema;
  return schema.superRefine((text, ctx) => {
    const problem = check(text);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: text });
  });
}

/** A required, non-empty string (the check runs only on non-empty text). */
export function requiredText(check?: Check) {
  return z.preprocess(toText, withCheck(z.string().min(1, { error: 'is required' }), skipEmpty(check)));
}

/** An optional string; the check does not run on an empty string (empty means "not set"). */
export function optionalText(check?: Check) {
  return z.preprocess(toText, withCheck(z.string(), skipEmpty(check)).optional());
}

/** An optional list of strings, each checked. */
export function textList(check?: Check) {
  return z.preprocess(toTyped, z.array(z.preprocess(toItemText, withCheck(z.string(), check))).optional());
}

/** An optional string→string map (`env`, `inputs`, `headers`, ...), each value checked. */
export function textMap(check?: Check, checkKey?: Check) {
  const map = z.record(z.string(), z.preprocess(toItemText, withCheck(z.string(), check)));
  if (!checkKey) return z.preprocess(toTyped, map.optional());
  const checked = map.superRefine((value, ctx) => {
    for (const key of Object.keys(value)) {
      const problem = checkKey(key);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, path: [key], input: key });
    }
  });
  return z.preprocess(toTyped, checked.optional());
}

/** An integer in `[min, max]`, required or optional. */
export function integer(min: number, max: number, options: { required: true }): z.ZodType<number>;
export function integer(
  min: number,
  max: number,
  options?: { required?: false },
): z.ZodType<number | undefined>;
export function integer(
  min: number,
  max: number,
  options: { required?: boolean } = {},
): z.ZodType<number | undefined> {
  const message = `must be between ${min} and ${max}`;
  // zod reports a string here as "expected number"; say what the field really needs.
  const notInteger = (issue: { code?: string; input?: unknown }) =>
    issue.code === 'invalid_type' && issue.input !== undefined
      ? `must be an integer (got ${quote(issue.input)})`
      : undefined;
  const schema = z.int({ error: notInteger }).min(min, { error: message }).max(max, { error: message });
  return z.preprocess(toTyped, options.required ? schema : schema.optional());
}

/** An optional number of at least `min`. */
export function numberAtLeast(min: number) {
  return z.preprocess(
    toTyped,
    z
      .number()
      .min(min, { error: `must be at least ${min}` })
      .optional(),
  );
}

/** An optional boolean (`true`/`false`; YAML `yes`/`no` are strings and rejected). */
export function boolean() {
  return z.preprocess(toTyped, z.boolean().optional());
}

/** A nested object or list, required. */
export function required<T extends z.ZodType>(schema: T) {
  return z.preprocess(toTyped, schema);
}

/** A nested object or list, optional. */
export function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess(toTyped, schema.optional());
}

/** A list of `item`, optional. */
export function optionalList<T extends z.ZodType>(item: T) {
  return z.preprocess(toTyped, z.array(item).optional());
}

/** True for a plain object (the only value a cross-field rule can look into). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof YamlScalar)
  );
}

/** A set value: present and not YAML/JSON null or an empty string. */
export function isSet(value: unknown): boolean {
  if (value instanceof YamlScalar) return value.value !== null && value.source !== '';
  return value !== undefined && value !== null && value !== '';
}

/** The text of a field inside a cross-field rule, whatever the input format. */
export function textOf(value: unknown): string | undefined {
  const text = toText(value);
  return typeof text === 'string' ? text : undefined;
}
