/**
 * The task part of a definition (jobs.md §4–§7): regular tasks, their auxiliary tasks, and the
 * composite kinds `parallel`, `each` and `subjob`, validated recursively.
 */
import { z } from 'zod';
import {
  allChecks,
  checkDuration,
  checkExpression,
  checkFileName,
  checkMaxLength,
  checkQueueTemplate,
  checkTemplate,
  checkUrl,
} from './checks.js';
import type { Check } from './checks.js';
import {
  boolean,
  integer,
  isRecord,
  numberAtLeast,
  optional,
  optionalList,
  optionalText,
  required,
  requiredText,
  textList,
  textMap,
} from './fields.js';
import { quote } from './messages.js';
import { checkMount, checkTaskKind } from './task-rules.js';

export interface RetryInput {
  /** Additional attempts after a failure, 1–10. */
  limit: number;
  /** Drover extension: delay before the first retry (Go duration). */
  initialDelay?: string;
  /** Drover extension: factor applied to the delay for each further retry (≥ 1). */
  scalingFactor?: number;
}

export interface LimitsInput {
  cpus?: string;
  memory?: string;
}

export interface RegistryInput {
  username?: string;
  password?: string;
}

export interface MountInput {
  type: string;
  source?: string;
  target?: string;
  opts?: Record<string, string>;
}

export interface ProbeInput {
  path: string;
  port: number;
  timeout?: string;
}

/** A `pre` or `post` item. */
export interface AuxTaskInput {
  name: string;
  description?: string;
  image?: string;
  run?: string;
  cmd?: string[];
  entrypoint?: string[];
  registry?: RegistryInput;
  env?: Record<string, string>;
  files?: Record<string, string>;
  timeout?: string;
}

export interface SidecarInput extends AuxTaskInput {
  probe?: ProbeInput;
}

export interface WebhookInput {
  url: string;
  headers?: Record<string, string>;
  event?: string;
  if?: string;
}

export interface AutoDeleteInput {
  after?: string;
}

export interface ParallelInput {
  tasks: TaskInput[];
  /** Drover extension: let the other children finish when one fails. */
  allowFailures?: boolean;
}

export interface EachInput {
  var?: string;
  list: string;
  task: TaskInput;
  concurrency?: number;
  /** Drover extension: let the other children finish when one fails. */
  allowFailures?: boolean;
}

export interface SubJobInput {
  /** Accepted for compatibility and ignored. */
  id?: string;
  name: string;
  description?: string;
  tasks: TaskInput[];
  inputs?: Record<string, string>;
  secrets?: Record<string, string>;
  autoDelete?: AutoDeleteInput;
  output?: string;
  detached?: boolean;
  webhooks?: WebhookInput[];
}

/** A task as written in a definition. */
export interface TaskInput {
  name: string;
  description?: string;
  image?: string;
  run?: string;
  cmd?: string[];
  entrypoint?: string[];
  registry?: RegistryInput;
  env?: Record<string, string>;
  files?: Record<string, string>;
  queue?: string;
  pre?: AuxTaskInput[];
  post?: AuxTaskInput[];
  sidecars?: SidecarInput[];
  mounts?: MountInput[];
  networks?: string[];
  retry?: RetryInput;
  limits?: LimitsInput;
  timeout?: string;
  var?: string;
  if?: string;
  parallel?: ParallelInput;
  each?: EachInput;
  subjob?: SubJobInput;
  gpus?: string;
  tags?: string[];
  workdir?: string;
  priority?: number;
}

/** What the schemas are built for. */
export interface SchemaOptions {
  /** Accept `parallel`, `each` and `subjob` tasks. */
  allowComposite: boolean;
}

const NAME_MAX = 256;
const VAR_MAX = 64;
const WORKDIR_MAX = 256;
const PROBE_PATH_MAX = 256;

/** Webhook events that fire (engine.md §11); Tork silently never fires any other value. */
const WEBHOOK_EVENTS = ['job.StateChange', 'job.Progress', 'task.StateChange', 'task.Progress'];

const checkEvent: Check = (text) =>
  WEBHOOK_EVENTS.includes(text)
    ? undefined
    : `${quote(text)} is not an event (allowed: ${WEBHOOK_EVENTS.join(', ')})`;

/** Runs a cross-field rule even when some fields already failed, so all problems are reported. */
const evenWithFieldErrors = { when: (payload: { value: unknown }) => isRecord(payload.value) };

export const retrySchema = z.strictObject({
  limit: integer(1, 10, { required: true }),
  initialDelay: optionalText(checkDuration),
  scalingFactor: numberAtLeast(1),
});

export const limitsSchema = z.strictObject({ cpus: optionalText(), memory: optionalText() });

const registrySchema = z.strictObject({ username: optionalText(), password: optionalText() });

const mountSchema = z
  .strictObject({ type: requiredText(), source: optionalText(), target: optionalText(), opts: textMap() })
  .superRefine(checkMount, evenWithFieldErrors);

const probeSchema = z.strictObject({
  path: requiredText(checkMaxLength(PROBE_PATH_MAX)),
  port: integer(1, 65535, { required: true }),
  timeout: optionalText(checkDuration),
});

/** `pre`/`post` items have their name, image, env and cmd evaluated as templates. */
const auxShape = {
  name: requiredText(checkTemplate),
  description: optionalText(),
  image: optionalText(checkTemplate),
  run: optionalText(),
  cmd: textList(checkTemplate),
  entrypoint: textList(),
  registry: optional(registrySchema),
  env: textMap(checkTemplate),
  files: textMap(undefined, checkFileName),
  timeout: optionalText(checkDuration),
};

const auxTaskSchema = z.strictObject(auxShape);

/** Sidecars are never template-evaluated. */
const sidecarSchema = z.strictObject({
  ...auxShape,
  name: requiredText(),
  image: optionalText(),
  cmd: textList(),
  env: textMap(),
  probe: optional(probeSchema),
});

export const autoDeleteSchema = z.strictObject({ after: optionalText(checkDuration) });

/** A webhook; `url` is checked with `checkUrl` (job) or as a template (sub-job). */
export function webhookSchema(url: Check) {
  return z.strictObject({
    url: requiredText(url),
    headers: textMap(checkTemplate),
    event: optionalText(checkEvent),
    if: optionalText(checkExpression),
  });
}

export const jobWebhookSchema = webhookSchema(checkUrl);

const taskSchemas = new Map<boolean, z.ZodType<TaskInput>>();

/** The task schema (recursive through `parallel`, `each` and `subjob`). */
export function taskSchema(options: SchemaOptions): z.ZodType<TaskInput> {
  const cached = taskSchemas.get(options.allowComposite);
  if (cached) return cached;
  const task: z.ZodType<TaskInput> = z.lazy(() => buildTaskSchema(task, options));
  taskSchemas.set(options.allowComposite, task);
  return task;
}

/** A non-empty list of tasks. */
export function taskList(task: z.ZodType<TaskInput>) {
  return z.array(task).min(1, { error: 'must have at least 1 task' });
}

function buildTaskSchema(task: z.ZodType<TaskInput>, options: SchemaOptions) {
  const parallel = z.strictObject({ tasks: required(taskList(task)), allowFailures: boolean() });
  const each = z.strictObject({
    var: optionalText(),
    list: requiredText(checkExpression),
    task: required(task),
    concurrency: integer(0, 99999),
    allowFailures: boolean(),
  });
  const subjob = z.strictObject({
    id: optionalText(),
    name: requiredText(checkTemplate),
    description: optionalText(),
    tasks: required(taskList(task)),
    inputs: textMap(checkTemplate),
    secrets: textMap(checkTemplate),
    autoDelete: optional(autoDeleteSchema),
    output: optionalText(checkTemplate),
    detached: boolean(),
    webhooks: optionalList(webhookSchema(checkTemplate)),
  });
  return z
    .strictObject({
      name: requiredText(allChecks(checkMaxLength(NAME_MAX), checkTemplate)),
      description: optionalText(),
      image: optionalText(allChecks(checkMaxLength(NAME_MAX), checkTemplate)),
      run: optionalText(),
      cmd: textList(checkTemplate),
      entrypoint: textList(),
      registry: optional(registrySchema),
      env: textMap(checkTemplate),
      files: textMap(undefined, checkFileName),
      queue: optionalText(allChecks(checkMaxLength(NAME_MAX), checkQueueTemplate)),
      pre: optionalList(auxTaskSchema),
      post: optionalList(auxTaskSchema),
      sidecars: optionalList(sidecarSchema),
      mounts: optionalList(mountSchema),
      networks: textList(),
      retry: optional(retrySchema),
      limits: optional(limitsSchema),
      timeout: optionalText(checkDuration),
      var: optionalText(allChecks(checkMaxLength(VAR_MAX), checkTemplate)),
      if: optionalText(checkTemplate),
      parallel: optional(parallel),
      each: optional(each),
      subjob: optional(subjob),
      gpus: optionalText(),
      tags: textList(),
      workdir: optionalText(checkMaxLength(WORKDIR_MAX)),
      priority: integer(0, 9),
    })
    .superRefine((value, ctx) => checkTaskKind(value, ctx, options), evenWithFieldErrors);
}
