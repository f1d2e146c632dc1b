import { evaluateTemplate } from '../expr/template.js';
import type { Job, JobContext } from '../model/job.js';
import type { Task } from '../model/task.js';

/** The values expressions can see: the job context plus, inside `each`, the loop variable. */
export type EvalContext = Record<string, unknown>;

export function contextOf(job: Pick<Job, 'context'>, extra: EvalContext = {}): EvalContext {
  const c: JobContext = job.context ?? {};
  return {
    inputs: c.inputs ?? {},
    secrets: c.secrets ?? {},
    tasks: c.tasks ?? {},
    job: c.job ?? {},
    ...extra,
  };
}

function mapValues(map: Record<string, string> | undefined, ctx: EvalContext): Record<string, string> | undefined {
  if (!map) return map;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) out[key] = evaluateTemplate(value, ctx);
  return out;
}

function field(text: string | undefined, ctx: EvalContext): string | undefined {
  return text === undefined ? undefined : evaluateTemplate(text, ctx);
}

/**
 * Evaluate a task's templates in place, in Tork's order (jobs spec §10.3): name, var, image,
 * queue, env, if, pre, post, cmd, subjob. `run`, `files`, `parallel.tasks` and `each.task` are
 * left alone: children are evaluated once, when they are created (Tork evaluated parallel
 * children twice, so a value containing `{{ }}` was expanded again). Throws `ExpressionError`.
 */
export function evaluateTask(task: Task, ctx: EvalContext): void {
  task.name = field(task.name, ctx);
  task.var = field(task.var, ctx);
  task.image = field(task.image, ctx);
  task.queue = field(task.queue, ctx);
  task.env = mapValues(task.env, ctx);
  task.if = field(task.if, ctx);
  for (const aux of task.pre ?? []) evaluateTask(aux, ctx);
  for (const aux of task.post ?? []) evaluateTask(aux, ctx);
  if (task.cmd) task.cmd = task.cmd.map((item) => evaluateTemplate(item, ctx));
  if (task.subjob) {
    const sub = task.subjob;
    sub.name = evaluateTemplate(sub.name, ctx);
    sub.inputs = mapValues(sub.inputs, ctx);
    sub.secrets = mapValues(sub.secrets, ctx);
    for (const hook of sub.webhooks ?? []) {
      hook.url = evaluateTemplate(hook.url, ctx);
      hook.headers = mapValues(hook.headers, ctx);
    }
  }
}

/** `if` skips a task only when it evaluates to exactly `false` (after trimming), as in Tork. */
export function isSkipped(task: Task): boolean {
  return task.if !== undefined && task.if.trim() === 'false';
}
