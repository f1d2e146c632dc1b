/**
 * Entry points: decode a request body and validate it as a job or scheduled-job definition.
 * Every problem found is reported at once in one `InputError` (one `{path, message}` each).
 */
import type { z } from 'zod';
import { InputError } from '../errors.js';
import { isRecord } from './fields.js';
import { jobSchema, scheduledJobSchema } from './job-schema.js';
import type { JobInput, ScheduledJobInput } from './job-schema.js';
import { errorMap, quote, toInputIssues } from './messages.js';
import { decodeBody } from './parse.js';
import { YamlScalar } from './yaml.js';

/** Options for job validation. */
export interface ValidateOptions {
  /**
   * Accept `parallel`, `each` and `subjob` tasks. When false, each task using one is reported
   * as `tasks[2].parallel: composite tasks (parallel, each, subjob) are not supported yet`.
   * @default true
   */
  allowComposite?: boolean;
}

/**
 * Decode and validate a job definition (`POST /jobs`). `contentType` is the request's
 * `Content-Type` header. Throws `InputError` listing every problem.
 */
export function parseJob(
  body: string,
  contentType: string | undefined,
  options: ValidateOptions = {},
): JobInput {
  return validateJobObject(decodeBody(body, contentType).value, options);
}

/**
 * Decode and validate a scheduled-job definition (`POST /scheduled-jobs`): a job without
 * `wait`, with a required `schedule.cron`. Throws `InputError` listing every problem.
 */
export function parseScheduledJob(
  body: string,
  contentType: string | undefined,
  options: ValidateOptions = {},
): ScheduledJobInput {
  return validateScheduledJobObject(decodeBody(body, contentType).value, options);
}

/** Validate an already-decoded job definition (JSON rules: string fields must be strings). */
export function validateJobObject(value: unknown, options: ValidateOptions = {}): JobInput {
  return validate(jobSchema({ allowComposite: options.allowComposite ?? true }), value, 'a job');
}

/** Validate an already-decoded scheduled-job definition. */
export function validateScheduledJobObject(value: unknown, options: ValidateOptions = {}): ScheduledJobInput {
  return validate(
    scheduledJobSchema({ allowComposite: options.allowComposite ?? true }),
    value,
    'a scheduled job',
  );
}

function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  if (!isRecord(value)) {
    throw new InputError([
      {
        path: 'body',
        message: `must be ${what} definition (a map of fields such as name and tasks), got ${describe(value)}`,
      },
    ]);
  }
  if (depthOf(value) > MAX_DEPTH) {
    throw new InputError([
      { path: 'body', message: `is nested too deeply (more than ${MAX_DEPTH} levels of lists and maps)` },
    ]);
  }
  const result = schema.safeParse(value, { error: errorMap });
  if (!result.success) throw new InputError(toInputIssues(result.error.issues));
  return result.data;
}

/**
 * Validation recurses once per level; a pathological body (thousands of nested `parallel`s)
 * would exhaust the stack. Real definitions stay far below this.
 */
const MAX_DEPTH = 100;

/** The nesting depth of lists and maps, measured without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: { node: unknown; depth: number }[] = [{ node: value, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (typeof node !== 'object' || node === null || node instanceof YamlScalar) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_DEPTH) return deepest;
    for (const child of Object.values(node)) stack.push({ node: child, depth: depth + 1 });
  }
  return deepest;
}

function describe(value: unknown): string {
  if (value instanceof YamlScalar) return value.value === null ? 'nothing' : quote(value.source);
  return quote(value);
}
