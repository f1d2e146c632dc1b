import { withTx } from '../transaction.js';
import { durationMs } from '../../duration.js';
import { newId } from '../../model/ids.js';
import { isJobActive, isTaskActive } from '../../model/states.js';
import { cloneTask, type Task } from '../../model/task.js';
import type { HandlerDeps } from '../deps.js';
import { Effects } from '../effects.js';
import { failJob } from '../job-flow.js';
import { failChildTask } from '../scheduler/composite.js';
import { handlePendingTasks } from './pending.js';

/** Delay before retry number `attempt` (1-based): initialDelay × scalingFactor^(attempt−1). */
export function retryDelayMs(task: Task, attempt: number): number {
  const initial = task.retry?.initialDelay;
  if (!initial) return 0;
  const factor = task.retry?.scalingFactor ?? 2;
  return Math.min(durationMs(initial) * factor ** (attempt - 1), 24 * 3_600_000);
}

function hasRetriesLeft(task: Task): boolean {
  return !!task.retry && (task.retry.attempts ?? 0) < task.retry.limit;
}

/**
 * The `error` queue: a task failed. Retries it while it has attempts left (with backoff when
 * the task asks for it), otherwise fails the job (or, for a child, its parent).
 */
export async function failTask(deps: HandlerDeps, message: Task): Promise<void> {
  const now = deps.now();
  const effects = new Effects();
  await withTx(deps, effects, async (tx) => {
    const job = await tx.findJob(message.jobId!);
    if (!job) return;
    let changed = false;
    const task = await tx.updateTask(message.id!, (t) => {
      if (!isTaskActive(t.state!)) return;
      changed = true;
      t.state = 'FAILED';
      t.failedAt = message.failedAt ?? now;
      t.error = message.error;
      t.result = message.result;
      if (message.exitCode !== undefined) t.exitCode = message.exitCode;
      if (message.killedBy) t.killedBy = message.killedBy;
      if (message.nodeId) t.nodeId = message.nodeId;
    });
    if (!changed) {
      deps.logger.debug({ taskId: message.id, state: task.state }, 'ignored failure of a task that is not active');
      return;
    }
    effects.taskState(task);
    if (!isJobActive(job.state)) return;
    if (hasRetriesLeft(task)) {
      const retry = newRetry(task, now);
      await tx.createTask(retry);
      effects.taskRetried();
      effects.pending(retry, retryDelayMs(task, retry.retry!.attempts!));
      return;
    }
    if (task.parentId) {
      await failChildTask(deps, tx, task, effects);
      return;
    }
    await failJob(tx, job.id, task.error, now, effects);
  }, message.jobId);
  await effects.run(deps);
  await handlePendingTasks(deps, effects);
}

/** The next attempt: a new record with the same (already evaluated) definition. */
function newRetry(failed: Task, now: Date): Task {
  const retry = cloneTask(failed);
  retry.id = newId();
  retry.createdAt = now;
  retry.state = 'PENDING';
  retry.retry = { ...failed.retry!, attempts: (failed.retry!.attempts ?? 0) + 1 };
  for (const key of ['error', 'failedAt', 'scheduledAt', 'startedAt', 'completedAt', 'result', 'nodeId', 'exitCode', 'killedBy', 'progress'] as const) {
    delete retry[key];
  }
  return retry;
}
