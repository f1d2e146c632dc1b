/**
 * Tork's JSON shapes (api spec §1.2, §2) for the model objects, in both directions.
 *
 * Each shape is a table of `[key, codec?, fallback?]` rows in Tork's output order. Encoding
 * applies Go's `omitempty` rule to every row without a fallback: `""`, `0`, `false`, `null`,
 * `[]` and `{}` are left out. A row with a fallback is always present (the fallback standing in
 * for a missing value). Map keys are sorted, as Go's encoder sorts them.
 *
 * The same tables decode: ISO strings become `Date`s again and nested tasks are rebuilt, so a
 * broker codec can carry model objects as Tork's JSON.
 */
import type { Job, Role, User } from './job.js';
import type { TaskLogPart } from './log-part.js';
import { NODE_OFFLINE_AFTER_MS, type Node } from './node.js';
import type { Page } from './page.js';
import type { ScheduledJob } from './scheduled-job.js';
import type { Task } from './task.js';

/** A JSON object as produced by the `*ToWire` functions. */
export type WireObject = Record<string, unknown>;

/** What Go prints for an unset `time.Time` value. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** RFC 3339 in UTC with the fraction trimmed of trailing zeros (Go's `RFC3339Nano`). */
export function formatTime(date: Date): string {
  // `toISOString` always ends in `.sssZ`; trimming by hand is several times cheaper than a regex.
  const iso = date.toISOString();
  let end = iso.length - 1;
  while (iso.charCodeAt(end - 1) === 48 /* 0 */) end--;
  if (iso.charCodeAt(end - 1) === 46 /* . */) end--;
  return end === iso.length - 1 ? iso : `${iso.slice(0, end)}Z`;
}

/** An RFC 3339 string (any offset, any fraction length) as a `Date`. */
export function parseTime(text: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new Error(`invalid timestamp ${JSON.stringify(text)}`);
  return date;
}

interface Codec {
  to(value: unknown): unknown;
  from(value: unknown): unknown;
}

type Row = readonly [key: string, codec?: Codec, fallback?: unknown];

/**
 * A table of rows, indexed once. Objects on the wire and in the model set a handful of the
 * dozens of fields a shape knows (a task definition: `name`, `run`), so encoding and decoding
 * walk the object's own keys and look each one up, rather than walk every row of the shape.
 */
interface Shape {
  readonly rows: readonly Row[];
  /** Row index of each key. */
  readonly index: ReadonlyMap<string, number>;
  /** Rows with a fallback: written even when the object lacks them. */
  readonly always: readonly number[];
}

function shape(rows: readonly Row[]): Shape {
  return {
    rows,
    index: new Map(rows.map(([key], i) => [key, i])),
    always: rows.flatMap(([, , fallback], i) => (fallback === undefined ? [] : [i])),
  };
}

const time: Codec = {
  to: (v) => (v instanceof Date ? formatTime(v) : v),
  from: (v) => (typeof v === 'string' ? parseTime(v) : v),
};

const stringMap: Codec = {
  to: (v) => sortKeys(v as Record<string, string>),
  from: (v) => ({ ...(v as Record<string, string>) }),
};

function sortKeys(map: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(map).sort()) out[key] = map[key]!;
  return out;
}

/** Codec for a nested object of the given rows (lazy so shapes can refer to each other). */
function nested(rows: () => Shape | readonly Row[]): Codec {
  let resolved: Shape | undefined;
  const of = (): Shape => {
    if (!resolved) {
      const value = rows();
      resolved = 'index' in value ? value : shape(value);
    }
    return resolved;
  };
  return {
    to: (v) => encode(v as object, of()),
    from: (v) => decode(v, of()),
  };
}

function listOf(item: Codec): Codec {
  return {
    to: (v) => (v as unknown[]).map((x) => item.to(x)),
    from: (v) => (Array.isArray(v) ? v.map((x) => item.from(x)) : v),
  };
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object' && !(value instanceof Date)) {
    for (const key in value) if (Object.hasOwn(value, key)) return false;
    return true;
  }
  return false;
}

/** A fresh copy of a fallback, so that no two results share a mutable array or object. */
function fallbackCopy(fallback: unknown): unknown {
  if (Array.isArray(fallback)) return [...(fallback as unknown[])];
  return typeof fallback === 'object' && fallback !== null ? { ...fallback } : fallback;
}

const byNumber = (a: number, b: number): number => a - b;

function encode(source: object, { rows, index, always }: Shape): WireObject {
  const record = source as Record<string, unknown>;
  const picked: number[] = [];
  for (const key in record) {
    const i = index.get(key);
    if (i !== undefined && record[key] !== undefined && record[key] !== null) picked.push(i);
  }
  for (const i of always) {
    const raw = record[rows[i]![0]];
    if (raw === undefined || raw === null) picked.push(i);
  }
  picked.sort(byNumber);
  const out: WireObject = {};
  for (const i of picked) {
    const [key, codec, fallback] = rows[i]!;
    const raw = record[key];
    if (raw === undefined || raw === null) {
      out[key] = fallbackCopy(fallback);
      continue;
    }
    const value = codec ? codec.to(raw) : raw;
    if (fallback !== undefined || !isEmpty(value)) out[key] = value;
  }
  return out;
}

function decode(wire: unknown, { rows, index }: Shape): WireObject {
  if (typeof wire !== 'object' || wire === null)
    throw new Error(`expected a JSON object, got ${JSON.stringify(wire)}`);
  const record = wire as Record<string, unknown>;
  const out: WireObject = {};
  for (const key in record) {
    const i = index.get(key);
    const value = record[key];
    if (i === undefined || value === undefined || value === null) continue;
    const codec = rows[i]![1];
    out[key] = codec ? codec.from(value) : value;
  }
  return out;
}

// ---- shapes, in Tork's field order ----

const USER = shape([['id'], ['name'], ['username'], ['createdAt', time], ['disabled']]);
const ROLE = shape([['id'], ['slug'], ['name'], ['createdAt', time]]);
const PERMISSION = shape([
  ['role', nested(() => ROLE)],
  ['user', nested(() => USER)],
]);
const WEBHOOK = shape([['url'], ['headers', stringMap], ['event'], ['if']]);
const AUTO_DELETE = shape([['after']]);
const LIMITS = shape([['cpus'], ['memory']]);
const DEFAULTS = shape([
  ['retry', nested(() => [['limit']])],
  ['limits', nested(() => LIMITS)],
  ['timeout'],
  ['queue'],
  ['priority'],
]);
const SCHEDULE = shape([['id'], ['cron']]);
const CONTEXT = shape([
  ['job', stringMap],
  ['inputs', stringMap],
  ['secrets', stringMap],
  ['tasks', stringMap],
]);

const task = nested(() => TASK);
const tasks = listOf(task);
const webhooks = listOf(nested(() => WEBHOOK));

// prettier-ignore
const TASK = shape([
  ['id'], ['jobId'], ['parentId'], ['position'], ['name'], ['description'], ['state'],
  ['createdAt', time], ['scheduledAt', time], ['startedAt', time], ['completedAt', time], ['failedAt', time],
  ['cmd'], ['entrypoint'], ['run'], ['image'],
  ['registry', nested(() => [['username'], ['password']])],
  ['env', stringMap], ['files', stringMap],
  ['queue'], ['redelivered'], ['error'],
  ['pre', tasks], ['post', tasks], ['sidecars', tasks],
  ['mounts', listOf(nested(() => [['type'], ['source'], ['target'], ['opts', stringMap]]))],
  ['networks'], ['nodeId'],
  ['retry', nested(() => [['limit'], ['attempts'], ['initialDelay'], ['scalingFactor']])],
  ['limits', nested(() => LIMITS)],
  ['timeout'], ['result'], ['var'], ['if'],
  ['parallel', nested(() => [['tasks', tasks], ['completions'], ['allowFailures']])],
  ['each', nested(() => EACH)],
  ['subjob', nested(() => SUBJOB)],
  ['gpus'], ['tags'], ['workdir'], ['priority'], ['progress'],
  ['probe', nested(() => [['path'], ['port'], ['timeout']])],
  ['exitCode'], ['killedBy'],
]);

// prettier-ignore
const EACH = shape([
  ['var'], ['list'], ['task', task], ['size'], ['completions'], ['concurrency'], ['index'], ['allowFailures'],
]);

// prettier-ignore
const SUBJOB = shape([
  ['id'], ['name'], ['description'], ['tasks', tasks], ['inputs', stringMap], ['secrets', stringMap],
  ['autoDelete', nested(() => AUTO_DELETE)], ['output'], ['detached'], ['webhooks', webhooks],
]);

// prettier-ignore
const TASK_SUMMARY = shape([
  ['id'], ['jobId'], ['position'], ['progress'], ['name'], ['description'], ['state'],
  ['createdAt', time], ['scheduledAt', time], ['startedAt', time], ['completedAt', time],
  ['error'], ['result'], ['var'], ['tags'],
]);

// prettier-ignore
const JOB = shape([
  ['id'], ['parentId'], ['name'], ['description'], ['tags'], ['state'],
  ['createdAt', time, ZERO_TIME], ['createdBy', nested(() => USER)],
  ['startedAt', time], ['completedAt', time], ['failedAt', time],
  ['tasks', tasks, []], ['execution', tasks, []], ['position', undefined, 0],
  ['inputs', stringMap], ['context', nested(() => CONTEXT), {}],
  ['taskCount'], ['output'], ['result'], ['error'],
  ['defaults', nested(() => DEFAULTS)], ['webhooks', webhooks],
  ['permissions', listOf(nested(() => PERMISSION))],
  ['autoDelete', nested(() => AUTO_DELETE)], ['deleteAt', time],
  ['secrets', stringMap], ['progress'], ['schedule', nested(() => SCHEDULE)],
]);

// prettier-ignore
const JOB_SUMMARY = shape([
  ['id'], ['createdBy', nested(() => USER)], ['parentId'], ['inputs', stringMap],
  ['name'], ['description'], ['tags'], ['state'], ['createdAt', time, ZERO_TIME],
  ['startedAt', time], ['completedAt', time], ['failedAt', time], ['position', undefined, 0],
  ['taskCount'], ['result'], ['error'], ['progress'], ['schedule', nested(() => SCHEDULE)],
]);

// prettier-ignore
const NODE = shape([
  ['id'], ['name'], ['startedAt', time, ZERO_TIME], ['cpuPercent'], ['lastHeartbeatAt', time, ZERO_TIME],
  ['queue'], ['status'], ['hostname'], ['port'], ['taskCount'], ['version', undefined, ''],
]);

const LOG_PART = shape([['id'], ['number'], ['taskId'], ['contents'], ['createdAt', time]]);

// prettier-ignore
const SCHEDULED_JOB = shape([
  ['id'], ['name'], ['description'], ['cron'], ['state'], ['inputs', stringMap], ['tasks', tasks, []],
  ['createdBy', nested(() => USER)], ['defaults', nested(() => DEFAULTS)],
  ['autoDelete', nested(() => AUTO_DELETE)], ['webhooks', webhooks],
  ['permissions', listOf(nested(() => PERMISSION))], ['createdAt', time, ZERO_TIME], ['tags'],
  ['secrets', stringMap], ['output'],
]);

// prettier-ignore
const SCHEDULED_JOB_SUMMARY = shape([
  ['id'], ['createdBy', nested(() => USER)], ['inputs', stringMap], ['state'], ['name'],
  ['description'], ['tags'], ['createdAt', time, ZERO_TIME], ['cron'],
]);

// ---- encoders ----

/** The full Job (§2.1). `execution` is every task record of the job; `[]` when not given. */
export function jobToWire(job: Job, execution?: Task[]): WireObject {
  return encode({ ...job, execution: execution ?? [] }, JOB);
}

/** A JobSummary (§2.2): no tasks, execution, context, secrets, output, defaults, webhooks. */
export function jobSummaryToWire(job: Job): WireObject {
  return encode(job, JOB_SUMMARY);
}

/** A Task (§2.3), nested tasks included; Drover's `exitCode` and `killedBy` when set. */
export function taskToWire(task: Task): WireObject {
  return encode(task, TASK);
}

/** A TaskSummary (§2.4), as in task webhook payloads. */
export function taskSummaryToWire(task: Task): WireObject {
  return encode(task, TASK_SUMMARY);
}

/** A Node (§2.7). A node stored `UP` whose heartbeat is older than 60 s reads as `OFFLINE`. */
export function nodeToWire(node: Node, now: Date): WireObject {
  const isStale = now.getTime() - node.lastHeartbeatAt.getTime() > NODE_OFFLINE_AFTER_MS;
  const status = node.status === 'UP' && isStale ? 'OFFLINE' : node.status;
  return encode({ ...node, status }, NODE);
}

export function logPartToWire(part: TaskLogPart): WireObject {
  return encode(part, LOG_PART);
}

export function scheduledJobToWire(job: ScheduledJob): WireObject {
  return encode(job, SCHEDULED_JOB);
}

export function scheduledJobSummaryToWire(job: ScheduledJob): WireObject {
  return encode(job, SCHEDULED_JOB_SUMMARY);
}

/** A User (§2.12). A password or its hash on the object is never written. */
export function userToWire(user: User): WireObject {
  return encode(user, USER);
}

export function roleToWire(role: Role): WireObject {
  return encode(role, ROLE);
}

/** A Page (§2.5): all five fields always present, `items` never null. */
export function pageToWire<T>(page: Page<T>, item: (value: T) => WireObject): WireObject {
  return {
    items: page.items.map(item),
    number: page.number,
    size: page.size,
    totalPages: page.totalPages,
    totalItems: page.totalItems,
  };
}

// ---- decoders (trusted input: other Drover or Tork processes) ----

/** A Job from its wire shape. `execution` is dropped (it is not part of the model). */
export function jobFromWire(wire: unknown): Job {
  const job = decode(wire, JOB);
  delete job.execution;
  job.tasks ??= [];
  job.context ??= {};
  job.position ??= 0;
  job.taskCount ??= 0;
  return job as unknown as Job;
}

export function taskFromWire(wire: unknown): Task {
  return decode(wire, TASK) as Task;
}

export function nodeFromWire(wire: unknown): Node {
  return decode(wire, NODE) as unknown as Node;
}

export function logPartFromWire(wire: unknown): TaskLogPart {
  return decode(wire, LOG_PART) as unknown as TaskLogPart;
}

export function scheduledJobFromWire(wire: unknown): ScheduledJob {
  const job = decode(wire, SCHEDULED_JOB);
  job.tasks ??= [];
  return job as unknown as ScheduledJob;
}

// ---- JSON text ----

export interface EncodeOptions {
  /** Indent with two spaces. @default false */
  pretty?: boolean;
}

const HTML_UNSAFE = /[<>&\u2028\u2029]/g;

/**
 * JSON text as Go's encoder writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped as `\u003c`
 * and so on, a trailing newline, two-space indent when pretty. Those characters can only occur
 * inside strings, so escaping them over the whole text is safe.
 */
export function encodeJson(value: unknown, { pretty = false }: EncodeOptions = {}): string {
  const text = JSON.stringify(value, null, pretty ? 2 : undefined) ?? 'null';
  return text.replace(HTML_UNSAFE, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) + '\n';
}
