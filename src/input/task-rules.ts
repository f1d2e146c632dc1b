/**
 * Rules that look at several fields of one object: the kind of a task (jobs.md §4, §9.1) and
 * the shape of a mount (§7.5). They run even when a field of the object already failed, so
 * they only trust what they can read.
 */
import type { z } from 'zod';
import { isRecord, textOf } from './fields.js';
import { quote } from './messages.js';
import type { SchemaOptions } from './task-schema.js';

type Ctx = z.core.$RefinementCtx<unknown>;

const COMPOSITE_KEYS = ['parallel', 'each', 'subjob'] as const;

/** Keys that make no sense on a task the coordinator expands instead of running. */
const FORBIDDEN_ON_COMPOSITE = [
  'image',
  'cmd',
  'entrypoint',
  'run',
  'env',
  'queue',
  'pre',
  'post',
  'mounts',
  'retry',
  'limits',
  'timeout',
] as const;

/** At most one composite marker; none of the worker-only keys on a composite task. */
export function checkTaskKind(task: unknown, ctx: Ctx, options: SchemaOptions): void {
  if (!isRecord(task)) return;
  const markers = COMPOSITE_KEYS.filter((key) => isGiven(task[key]));
  const [kind, ...others] = markers;
  if (kind === undefined) return;
  for (const other of others) {
    addIssue(
      ctx,
      [other],
      `cannot be combined with ${kind} (a task has at most one of parallel, each, subjob)`,
    );
  }
  for (const key of FORBIDDEN_ON_COMPOSITE) {
    if (isGiven(task[key]))
      addIssue(ctx, [key], `not allowed on ${kind === 'each' ? 'an' : 'a'} ${kind} task`);
  }
  if (!options.allowComposite) {
    addIssue(ctx, [kind], 'composite tasks (parallel, each, subjob) are not supported yet');
  }
}

/** Characters allowed in mount sources and targets (Tork's rule). */
const MOUNT_PATH = /^[-/.0-9a-zA-Z_= ]+$/;
const MOUNT_PATH_HINT = 'may only contain letters, digits, spaces and - / . _ =';

/** The §7.5 mount rules: what a volume or bind needs, safe characters, `/tork` kept free. */
export function checkMount(mount: unknown, ctx: Ctx): void {
  if (!isRecord(mount)) return;
  const type = textOf(mount.type);
  const source = textOf(mount.source) ?? '';
  const target = textOf(mount.target) ?? '';
  if (type === 'volume' && source !== '') addIssue(ctx, ['source'], 'must be empty for a volume mount');
  if (type === 'volume' && target === '') addIssue(ctx, ['target'], 'is required for a volume mount');
  if (type === 'bind' && source === '') addIssue(ctx, ['source'], 'is required for a bind mount');
  if (source !== '' && !MOUNT_PATH.test(source))
    addIssue(ctx, ['source'], `${quote(source)} ${MOUNT_PATH_HINT}`);
  if (target !== '' && !MOUNT_PATH.test(target))
    addIssue(ctx, ['target'], `${quote(target)} ${MOUNT_PATH_HINT}`);
  if (target === '/tork') addIssue(ctx, ['target'], '"/tork" is reserved for the task\'s own files');
}

/** A key counts when written with any value but null (`each: {}` counts, `image:` does not). */
function isGiven(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function addIssue(ctx: Ctx, path: (string | number)[], message: string): void {
  ctx.addIssue({ code: 'custom', path, message, input: undefined });
}
