/**
 * Zod schemas for job and scheduled-job definitions (jobs.md §2, §3, §8, §9). Objects are
 * strict: an unknown key anywhere is reported with the keys that are allowed there.
 */
import { z } from 'zod';
import { checkDuration, checkMaxLength, checkQueue, checkTemplate } from './checks.js';
import { checkCron } from './cron.js';
import {
  integer,
  isRecord,
  optional,
  optionalList,
  optionalText,
  required,
  requiredText,
  textList,
  textMap,
  textOf,
} from './fields.js';
import { autoDeleteSchema, jobWebhookSchema, limitsSchema, taskList, taskSchema } from './task-schema.js';
import type { AutoDeleteInput, LimitsInput, SchemaOptions, TaskInput, WebhookInput } from './task-schema.js';

export type { SchemaOptions, TaskInput } from './task-schema.js';

export interface DefaultsInput {
  retry?: { limit: number };
  limits?: LimitsInput;
  timeout?: string;
  queue?: string;
  priority?: number;
}

/** Exactly one of the two: a username or a role slug (their existence is checked by the API). */
export interface PermissionInput {
  user?: string;
  role?: string;
}

/** `POST /jobs` only: hold the response until the job ends, at most `timeout`. */
export interface WaitInput {
  timeout: string;
}

/** A job definition as submitted. */
export interface JobInput {
  name: string;
  description?: string;
  tags?: string[];
  tasks: TaskInput[];
  inputs?: Record<string, string>;
  secrets?: Record<string, string>;
  output?: string;
  defaults?: DefaultsInput;
  webhooks?: WebhookInput[];
  permissions?: PermissionInput[];
  autoDelete?: AutoDeleteInput;
  wait?: WaitInput;
}

/** A scheduled-job definition: a job without `wait`, plus when to run it. */
export interface ScheduledJobInput extends Omit<JobInput, 'wait'> {
  schedule: { cron: string };
}

const NAME_MAX = 256;

const defaultsSchema = z.strictObject({
  retry: optional(z.strictObject({ limit: integer(1, 10, { required: true }) })),
  limits: optional(limitsSchema),
  timeout: optionalText(checkDuration),
  queue: optionalText(checkQueue),
  priority: integer(0, 9),
});

const permissionSchema = z.strictObject({ user: optionalText(), role: optionalText() }).superRefine(
  (value, ctx) => {
    const given = [textOf(value.user), textOf(value.role)].filter(
      (text) => text !== undefined && text !== '',
    );
    if (given.length !== 1)
      ctx.addIssue({ code: 'custom', message: 'must have exactly one of user or role', input: value });
  },
  { when: (payload) => isRecord(payload.value) },
);

const waitSchema = z.strictObject({ timeout: requiredText(checkDuration) });

function jobShape(options: SchemaOptions) {
  return {
    name: requiredText(checkMaxLength(NAME_MAX)),
    description: optionalText(),
    tags: textList(),
    tasks: required(taskList(taskSchema(options))),
    inputs: textMap(),
    secrets: textMap(),
    output: optionalText(checkTemplate),
    defaults: optional(defaultsSchema),
    webhooks: optionalList(jobWebhookSchema),
    permissions: optionalList(permissionSchema),
    autoDelete: optional(autoDeleteSchema),
  };
}

const jobSchemas = new Map<boolean, z.ZodType<JobInput>>();
const scheduledJobSchemas = new Map<boolean, z.ZodType<ScheduledJobInput>>();

/** The schema of a job definition (`POST /jobs`). */
export function jobSchema(options: SchemaOptions): z.ZodType<JobInput> {
  let schema = jobSchemas.get(options.allowComposite);
  if (!schema) {
    schema = z.strictObject({ ...jobShape(options), wait: optional(waitSchema) });
    jobSchemas.set(options.allowComposite, schema);
  }
  return schema;
}

/** The schema of a scheduled-job definition (`POST /scheduled-jobs`). */
export function scheduledJobSchema(options: SchemaOptions): z.ZodType<ScheduledJobInput> {
  let schema = scheduledJobSchemas.get(options.allowComposite);
  if (!schema) {
    const schedule = z.strictObject({ cron: requiredText(checkCron) });
    schema = z.strictObject({ ...jobShape(options), schedule: required(schedule) });
    scheduledJobSchemas.set(options.allowComposite, schema);
  }
  return schema;
}
