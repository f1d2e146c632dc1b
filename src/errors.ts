/**
 * The error catalogue. Every error that reaches a user carries an HTTP status and a stable
 * code; `api/errors.ts` turns them into `{"message": ...}` bodies. Anything thrown that is not
 * a `DroverError` is unexpected and becomes a 500 with a generic message.
 */

export interface InputIssue {
  /** Field path as the user wrote it, e.g. `tasks[1].retry.limit` (empty for the whole body). */
  path: string;
  message: string;
}

export class DroverError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(message: string, status: number, code: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
  }
}

/** Bad input: a rejected job definition, query parameter or body. */
export class InputError extends DroverError {
  readonly issues: InputIssue[];
  constructor(issues: InputIssue[] | string, status = 400) {
    const list = typeof issues === 'string' ? [{ path: '', message: issues }] : issues;
    super(list.map(formatIssue).join('\n'), status, 'INPUT');
    this.issues = list;
  }
}

function formatIssue(issue: InputIssue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

export class NotFoundError extends DroverError {
  constructor(message: string) {
    super(message, 404, 'NOT_FOUND');
  }
}

/** Missing or wrong credentials (401); the message is Tork's and says nothing about which part was wrong. */
export class UnauthorizedError extends DroverError {
  constructor(message = 'Unauthorized') {
    super(message, 401, 'UNAUTHORIZED');
  }
}

/**
 * An authenticated caller asking for something only admins may do (403). Objects a caller may
 * not see answer `NotFoundError` instead, so their ids leak nothing.
 */
export class ForbiddenError extends DroverError {
  constructor(message: string) {
    super(message, 403, 'FORBIDDEN');
  }
}

/** A legal request for an object in the wrong state (Tork answers these with 400). */
export class StateError extends DroverError {
  constructor(message: string) {
    super(message, 400, 'STATE');
  }
}

export class UnavailableError extends DroverError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 503, 'UNAVAILABLE', options);
  }
}

/** A wait-mode submit that ran out of time (408). */
export class TimeoutError extends DroverError {
  constructor(message: string) {
    super(message, 408, 'TIMEOUT');
  }
}

/** Bad configuration: names the key and, when known, the file. */
export class ConfigError extends DroverError {
  constructor(message: string) {
    super(message, 1, 'CONFIG');
  }
}

/** Turn anything caught into an Error, keeping the original as the cause. */
export function coerceError(err: unknown): Error {
  if (err instanceof Error) return err;
  return new Error(typeof err === 'string' ? err : JSON.stringify(err), { cause: err });
}
