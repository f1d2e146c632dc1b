/**
 * Validated definitions → model objects (the second of the three shapes of a job, STYLE.md §4).
 * Model objects share nothing with the input: every map and list is copied.
 */
import type { Job, JobContext, Permission, User } from '../model/job.js';
import type { ScheduledJob } from '../model/scheduled-job.js';
import type { Task } from '../model/task.js';
import type { JobInput, PermissionInput, ScheduledJobInput } from './job-schema.js';
import type { TaskInput } from './task-schema.js';

/** What the caller adds to a definition to make a stored object. */
export interface CreationInfo {
  id: string;
  createdAt: Date;
  /** The authenticated user; absent for anonymous submissions. */
  createdBy?: User;
}

/**
 * A new job from its definition: state PENDING, position 0, `taskCount` = top-level tasks,
 * `context` = `{inputs, secrets, job: {id, name}}`. `tasks` are the definitions (no ids or
 * states); `wait` is not part of a job.
 */
export function toJob(input: JobInput, extra: CreationInfo): Job {
  const job: Job = {
    id: extra.id,
    name: input.name,
    state: 'PENDING',
    createdAt: extra.createdAt,
    tasks: input.tasks.map(toTask),
    position: 0,
    taskCount: input.tasks.length,
    context: jobContext(input, { id: extra.id, name: input.name }),
  };
  return Object.assign(job, commonFields(input, extra));
}

/** A new scheduled job (state ACTIVE) from its definition; `cron` is `schedule.cron`. */
export function toScheduledJob(input: ScheduledJobInput, extra: CreationInfo): ScheduledJob {
  const scheduled: ScheduledJob = {
    id: extra.id,
    name: input.name,
    cron: input.schedule.cron,
    state: 'ACTIVE',
    tasks: input.tasks.map(toTask),
    createdAt: extra.createdAt,
  };
  return Object.assign(scheduled, commonFields(input, extra));
}

/** A task definition as the model holds it. `subjob.id` is accepted on input and dropped. */
export function toTask(input: TaskInput): Task {
  const { parallel, each, subjob, ...rest } = input;
  const task: Task = copy(rest);
  if (parallel) task.parallel = { ...copy(parallel), tasks: parallel.tasks.map(toTask) };
  if (each) task.each = { ...copy(each), task: toTask(each.task) };
  if (subjob) {
    const { id: _ignored, ...block } = subjob;
    task.subjob = { ...copy(block), tasks: block.tasks.map(toTask) };
  }
  return task;
}

/** Usernames and role slugs named in `permissions`, each once, for the API to check. */
export function referencedPrincipals(input: JobInput | ScheduledJobInput): {
  usernames: string[];
  roles: string[];
} {
  const usernames = new Set<string>();
  const roles = new Set<string>();
  for (const permission of input.permissions ?? []) {
    if (permission.user) usernames.add(permission.user);
    if (permission.role) roles.add(permission.role);
  }
  return { usernames: [...usernames], roles: [...roles] };
}

type CommonFields = Partial<
  Pick<
    Job,
    | 'description'
    | 'tags'
    | 'createdBy'
    | 'inputs'
    | 'secrets'
    | 'output'
    | 'defaults'
    | 'webhooks'
    | 'permissions'
    | 'autoDelete'
  >
>;

function commonFields(input: JobInput | ScheduledJobInput, extra: CreationInfo): CommonFields {
  return copy({
    description: input.description,
    tags: input.tags,
    createdBy: extra.createdBy,
    inputs: input.inputs,
    secrets: input.secrets,
    output: input.output,
    defaults: input.defaults,
    webhooks: input.webhooks,
    permissions: input.permissions?.map(toPermission),
    autoDelete: input.autoDelete,
  });
}

function jobContext(input: JobInput, job: { id: string; name: string }): JobContext {
  return copy({ inputs: input.inputs, secrets: input.secrets, job });
}

function toPermission(permission: PermissionInput): Permission {
  return permission.user ? { user: { username: permission.user } } : { role: { slug: permission.role } };
}

/** A deep copy without `undefined` members (zod leaves them where YAML said `key: ~`). */
function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => copy(item)) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (member !== undefined)
      Object.defineProperty(out, key, {
        value: copy(member),
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return out as T;
}
