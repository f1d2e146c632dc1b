/**
 * The secret values this process has recently handled, so that its own log lines can mask them
 * wherever they appear (an error message quoting a value, a debug dump of a task). The datastore
 * remembers the secrets of every job and scheduled job it reads or writes; the logger masks them
 * in each line it writes (see logger.ts).
 *
 * Process-wide on purpose: the logger is. Bounded: the most recently seen values are kept.
 * A worker-only process never reads jobs, so it knows no secrets (its logs name task ids only).
 */
import { REDACTED } from './redact.js';

const MAX_VALUES = 4096;

const values = new Map<string, true>();
let pattern: RegExp | undefined;
let dirty = false;

/** Remember the non-empty values of `secrets` (the most recent `MAX_VALUES` are kept). */
export function rememberSecrets(secrets: Record<string, string> | undefined): void {
  if (!secrets) return;
  for (const value of Object.values(secrets)) {
    if (typeof value !== 'string' || value === '') continue;
    if (values.delete(value)) {
      values.set(value, true);
      continue;
    }
    values.set(value, true);
    dirty = true;
    if (values.size > MAX_VALUES) values.delete(values.keys().next().value!);
  }
}

/**
 * A JSON log line with every remembered value replaced by `[REDACTED]` inside its strings
 * (values, and keys). Values are matched in their JSON-escaped form, the only form a value takes
 * inside a JSON string. Numbers and the line's structure are left alone, so the line stays
 * valid JSON whatever the secrets are.
 */
export function maskKnownSecrets(line: string): string {
  if (values.size === 0) return line;
  if (dirty || !pattern) {
    pattern = buildPattern();
    dirty = false;
  }
  const secret = pattern;
  return line.replace(JSON_STRING, (literal) => literal.replace(secret, REDACTED));
}

const JSON_STRING = /"(?:[^"\\]|\\.)*"/g;

/** Forget every value (tests). */
export function forgetSecrets(): void {
  values.clear();
  pattern = undefined;
}

function buildPattern(): RegExp {
  const forms = new Set<string>();
  for (const value of values.keys()) forms.add(JSON.stringify(value).slice(1, -1));
  // Longest first, so a secret containing another leaves no tail.
  const alternatives = [...forms]
    .sort((a, b) => b.length - a.length)
    .map((form) => form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(alternatives.join('|'), 'g');
}
