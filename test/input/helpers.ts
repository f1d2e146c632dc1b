import { InputError } from '../../src/errors.js';
import { validateJobObject } from '../../src/input/validate.js';
import type { ValidateOptions } from '../../src/input/validate.js';

/** The message lines of the `InputError` thrown by `run`; fails when nothing or something else is thrown. */
export function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    if (err instanceof InputError) {
      const lines = err.message.split('\n');
      // The message and the issue list must always agree.
      const fromIssues = err.issues.map((issue) =>
        issue.path ? `${issue.path}: ${issue.message}` : issue.message,
      );
      if (fromIssues.join('\n') !== err.message)
        throw new Error(`issues and message disagree: ${err.message}`);
      return lines;
    }
    throw err;
  }
  throw new Error('expected an InputError, but the input was accepted');
}

/** A valid one-task job with `task` merged into its task. */
export function jobWith(
  task: Record<string, unknown>,
  job: Record<string, unknown> = {},
): Record<string, unknown> {
  return { name: 'j', tasks: [{ name: 't', image: 'alpine', run: 'true', ...task }], ...job };
}

/** Problems with a decoded job object. */
export function problems(value: unknown, options?: ValidateOptions): string[] {
  return problemsOf(() => validateJobObject(value, options));
}
