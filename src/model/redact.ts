/**
 * Read-side redaction of jobs, tasks and log text (api spec §4). Nothing is redacted before it is
 * stored or sent to workers; the API (and anything that logs or publishes user data) runs what it
 * hands out through a `Redactor`. Every function works on a copy and never changes its argument.
 *
 * Two rules:
 * - key rule: a map entry whose key matches a matcher becomes `[REDACTED]`. The default matchers
 *   look for `SECRET`, `PASSWORD` or `ACCESS_KEY` in the upper-cased key; configured wildcard
 *   patterns (`*` = any run of characters, case-sensitive, whole key) replace them;
 * - value rule: every occurrence of one of the job's secret values becomes `[REDACTED]`.
 *
 * Drover goes beyond Tork: empty secret values are ignored (Tork would mask between every
 * character), longer secrets are replaced first (so one secret containing another leaves no
 * tail), the value rule also covers `result` and `error` of jobs and tasks, and job summaries
 * get their `inputs` redacted.
 */
import type { Job, JobContext } from './job.js';
import type { Task, Webhook } from './task.js';

export const REDACTED = '[REDACTED]';

const DEFAULT_KEY_WORDS = ['SECRET', 'PASSWORD', 'ACCESS_KEY'];

export interface RedactorOptions {
  /** When false every function returns an unchanged copy. */
  enabled: boolean;
  /** Wildcard key patterns replacing the default matchers; empty means the defaults. */
  patterns?: string[];
}

export type Secrets = Record<string, string> | undefined;

export interface Redactor {
  /** A job with inputs, webhook headers, context, secrets and its task definitions redacted. */
  redactJob(job: Job): Job;
  /** A job as shown in a summary: `inputs` (key and value rules), `result` and `error`. */
  redactSummary(job: Job): Job;
  /** A task record redacted with its job's secrets. */
  redactTask(task: Task, secrets: Secrets): Task;
  /** Text with every secret value replaced (the value rule only). */
  redactText(text: string, secrets: Secrets): string;
}

export function createRedactor({ enabled, patterns = [] }: RedactorOptions): Redactor {
  if (!enabled) {
    return {
      redactJob: (job) => copyData(job),
      redactSummary: (job) => copyData(job),
      redactTask: (task) => copyData(task),
      redactText: (text) => text,
    };
  }
  const rules = new Rules(keyMatcher(patterns));
  return {
    redactJob: (job) => rules.job(copyData(job)),
    redactSummary: (job) => rules.summary(copyData(job)),
    redactTask: (task, secrets) => rules.task(copyData(task), secretValues(secrets)),
    redactText: (text, secrets) => rules.text(text, secretValues(secrets)),
  };
}

/**
 * A deep copy of model data: plain objects, arrays, Dates and primitives, as the model is made
 * of. On objects this small it is about five times cheaper than `structuredClone`, which showed
 * in the profile of `GET /jobs/{id}`; anything else is still left to `structuredClone`.
 */
function copyData<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyData) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key in value) out[key] = copyData((value as Record<string, unknown>)[key]);
  return out as T;
}

type KeyMatcher = (key: string) => boolean;

function keyMatcher(patterns: string[]): KeyMatcher {
  if (patterns.length === 0) {
    return (key) => {
      const upper = key.toUpperCase();
      return DEFAULT_KEY_WORDS.some((word) => upper.includes(word));
    };
  }
  const regexes = patterns.map(wildcardToRegex);
  return (key) => regexes.some((re) => re.test(key));
}

function wildcardToRegex(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 's');
}

/** The non-empty secret values, longest first. */
function secretValues(secrets: Secrets): string[] {
  const values = Object.values(secrets ?? {}).filter((v) => v !== '');
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

/** The rules applied in place to objects the caller has already copied. */
class Rules {
  constructor(private readonly isSecretKey: KeyMatcher) {}

  text(text: string, values: string[]): string {
    let out = text;
    for (const value of values) out = out.replaceAll(value, REDACTED);
    return out;
  }

  map(map: Record<string, string>, values: string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(map)) {
      out[key] = this.isSecretKey(key) ? REDACTED : this.text(value, values);
    }
    return out;
  }

  webhooks(webhooks: Webhook[] | undefined, values: string[]): void {
    for (const hook of webhooks ?? []) {
      if (hook.headers) hook.headers = this.map(hook.headers, values);
    }
  }

  job(job: Job): Job {
    const values = secretValues(job.secrets);
    this.summaryFields(job, values);
    this.webhooks(job.webhooks, values);
    job.context = this.context(job.context, values);
    if (job.secrets) job.secrets = maskAll(job.secrets);
    job.tasks = job.tasks.map((t) => this.task(t, values));
    return job;
  }

  summary(job: Job): Job {
    this.summaryFields(job, secretValues(job.secrets));
    return job;
  }

  private summaryFields(job: Job, values: string[]): void {
    if (job.inputs) job.inputs = this.map(job.inputs, values);
    if (job.result !== undefined) job.result = this.text(job.result, values);
    if (job.error !== undefined) job.error = this.text(job.error, values);
  }

  private context(context: JobContext, values: string[]): JobContext {
    const out: JobContext = { ...context };
    if (context.inputs) out.inputs = this.map(context.inputs, values);
    if (context.secrets) out.secrets = this.map(context.secrets, values);
    if (context.tasks) out.tasks = this.map(context.tasks, values);
    return out;
  }

  /** Tork's task coverage (not `each.task`, `sidecars`, `files`, `run`, `cmd`) plus result/error. */
  task(task: Task, values: string[]): Task {
    if (task.env) task.env = this.map(task.env, values);
    for (const mount of task.mounts ?? []) {
      if (mount.opts) mount.opts = this.map(mount.opts, values);
    }
    if (task.pre) task.pre = task.pre.map((t) => this.task(t, values));
    if (task.post) task.post = task.post.map((t) => this.task(t, values));
    if (task.parallel) task.parallel.tasks = task.parallel.tasks.map((t) => this.task(t, values));
    if (task.registry) task.registry.password = REDACTED;
    if (task.subjob) {
      if (task.subjob.secrets) task.subjob.secrets = maskAll(task.subjob.secrets);
      this.webhooks(task.subjob.webhooks, values);
    }
    if (task.result !== undefined) task.result = this.text(task.result, values);
    if (task.error !== undefined) task.error = this.text(task.error, values);
    return task;
  }
}

function maskAll(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(map).map((key) => [key, REDACTED]));
}
