/**
 * Checks on single values. Each returns the problem as message text (without the path), or
 * `undefined` when the value is fine; the schema attaches the path.
 */
import { EXCLUSIVE_PREFIX, isCoordinatorQueue } from '../broker/broker.js';
import { parseDuration } from '../duration.js';
import { validateExpression } from '../expr/evaluate.js';
import { extractExpression, validateTemplate } from '../expr/template.js';
import { quote } from './messages.js';

export type Check = (text: string) => string | undefined;

/** Go duration syntax; empty means "not set". Negative durations make no sense anywhere here. */
export const checkDuration: Check = (text) => {
  if (text === '') return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) return `${quote(text)} is not a duration (e.g. 30s, 5m, 1h30m)`;
  if (ms < 0) return `${quote(text)} must not be negative`;
  return undefined;
};

/** A positive duration, for `@every` crons and the like. */
export function isPositiveDuration(text: string): boolean {
  const ms = parseDuration(text);
  return ms !== undefined && ms > 0;
}

/**
 * Task queues: not a coordinator queue and not a node's private `x-` queue. Checked on the raw
 * text, before any template is evaluated (as Tork does).
 */
export const checkQueue: Check = (text) => {
  if (isCoordinatorQueue(text)) return `${quote(text)} is reserved for the coordinator`;
  if (text.startsWith(EXCLUSIVE_PREFIX))
    return `${quote(text)} is reserved: queues starting with ${EXCLUSIVE_PREFIX} are private to one worker`;
  return undefined;
};

/**
 * A template: every `{{ }}` block must be a valid expression. Text outside blocks, and text
 * without blocks, is literal (Tork checked plain text as an expression; Drover does not).
 */
export const checkTemplate: Check = (text) => {
  const error = validateTemplate(text);
  return error === undefined ? undefined : `${quote(text)} is not a valid template: ${error}`;
};

/** An expression, written bare or inside one `{{ }}` block (`each.list`, webhook `if`). */
export const checkExpression: Check = (text) => {
  const source = extractExpression(text);
  if (source.trim() === '') return `${quote(text)} is not an expression`;
  const error = validateExpression(source);
  return error === undefined ? undefined : `${quote(text)} is not a valid expression: ${error}`;
};

/** Both a template and a queue name. */
export const checkQueueTemplate: Check = (text) => checkQueue(text) ?? checkTemplate(text);

/**
 * Names in `files` are written under the task's working directory: they must stay inside it.
 * Nested names (`conf/app.ini`) are fine; absolute paths and `..` segments are not.
 */
export function checkFileName(name: string): string | undefined {
  if (name.trim() === '') return 'must not be empty';
  if (name.includes('\0')) return 'must not contain a NUL character';
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) {
    return 'must be a relative path inside the working directory, not an absolute path';
  }
  const segments = name.split(/[/\\]/);
  if (segments.includes('..')) return 'must stay inside the working directory (no ".." segments)';
  const last = segments[segments.length - 1];
  if (last === '' || last === '.') return 'must name a file, not a directory';
  return undefined;
}

/** Webhook targets of the job itself (sub-job URLs are templates and checked as such). */
export const checkUrl: Check = (text) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${quote(text)} is not a URL (e.g. https://example.com/hook)`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `${quote(text)} must be an http or https URL`;
  return undefined;
};

/** A text field longer than the store keeps. */
export function checkMaxLength(max: number): Check {
  return (text) => (text.length > max ? `must be at most ${max} characters (got ${text.length})` : undefined);
}

/** Run several checks, reporting the first problem. */
export function allChecks(...checks: Check[]): Check {
  return (text) => {
    for (const check of checks) {
      const problem = check(text);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
}
