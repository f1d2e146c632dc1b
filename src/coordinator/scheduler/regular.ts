import { DEFAULT_QUEUE } from '../../broker/broker.js';
import type { Job } from '../../model/job.js';
import type { Task } from '../../model/task.js';
import type { HandlerDeps } from '../deps.js';
import { Effects } from '../effects.js';
import { withTx } from '../transaction.js';

/** Fill empty task fields from the job's `defaults` (jobs spec §8.1). */
export function applyDefaults(task: Task, job: Job): void {
  const d = job.defaults;
  if (d) {
    if (!task.queue && d.queue) task.queue = d.queue;
    if (d.limits && (d.limits.cpus || d.limits.memory)) {
      task.limits ??= {};
      if (!task.limits.cpus && d.limits.cpus) task.limits.cpus = d.limits.cpus;
      if (!task.limits.memory && d.limits.memory) task.limits.memory = d.limits.memory;
    }
    if (!task.timeout && d.timeout) task.timeout = d.timeout;
    if (!task.retry && d.retry) task.retry = { limit: d.retry.limit };
    if (!task.priority && d.priority) task.priority = d.priority;
  }
  if (!task.queue) task.queue = DEFAULT_QUEUE;
}

/** PENDING → SCHEDULED, then on to the worker queue. A duplicate message is ignored. */
export async function scheduleRegularTask(deps: HandlerDeps, job: Job, task: Task): Promise<void> {
  const effects = new Effects();
  let scheduled = false;
  const stored = await withTx(deps, effects, async (tx) => {
    const updated = await tx.updateTask(task.id!, (t) => {
      if (t.state !== 'PENDING') return;
      scheduled = true;
      applyDefaults(t, job);
      t.state = 'SCHEDULED';
      t.scheduledAt = deps.now();
    });
    if (scheduled) effects.taskState(updated);
    return updated;
  }, job.id);
  if (!scheduled) {
    deps.logger.debug({ taskId: task.id, state: stored.state }, 'ignored duplicate pending task');
    return;
  }
  effects.publish(stored.queue!, { kind: 'task', task: stored }, { priority: stored.priority ?? 0 });
  await effects.run(deps);
}
