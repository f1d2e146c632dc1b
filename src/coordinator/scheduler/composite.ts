import { withTx } from '../transaction.js';
import type { Datastore } from '../../datastore/datastore.js';
import type { Job } from '../../model/job.js';
import { isTaskActive } from '../../model/states.js';
import { taskKind, type Task } from '../../model/task.js';
import type { HandlerDeps } from '../deps.js';
import { Effects } from '../effects.js';
import { advanceJob } from '../handlers/completed.js';
import { handlePendingTasks } from '../handlers/pending.js';
import { failJob } from '../job-flow.js';
import { evaluateEachList, expandEach, releaseNextEachChild } from './each.js';
import { expandParallel } from './parallel.js';
import { startSubJob } from './subjob.js';

/**
 * Expansion of `parallel`, `each` and `subjob` tasks, and how their children's outcomes roll
 * up. A parent completes when every child completed or was skipped; a child that fails for
 * good fails its parent (and so the job), unless the block sets `allowFailures`, in which
 * case every child runs to its end and the parent then fails naming the children that failed.
 */
export async function scheduleCompositeTask(deps: HandlerDeps, job: Job, task: Task): Promise<void> {
  const now = deps.now();
  const effects = new Effects();
  const items = task.each ? evaluateEachList(job, task) : undefined;
  await withTx(deps, effects, async (tx) => {
    let started = false;
    const parent = await tx.updateTask(task.id!, (t) => {
      if (t.state !== 'PENDING') return;
      started = true;
      t.state = 'RUNNING';
      t.scheduledAt = now;
      t.startedAt = now;
      if (t.parallel) t.parallel.completions = 0;
      if (t.each && Array.isArray(items)) {
        const concurrency = t.each.concurrency ?? 0;
        t.each.size = items.length;
        t.each.completions = 0;
        t.each.index = concurrency > 0 ? Math.min(concurrency, items.length) : items.length;
      }
    });
    if (!started) return;
    effects.taskState(parent);
    let broken: Task | undefined;
    if (parent.parallel) {
      broken = await expandParallel(tx, job, parent, now, effects);
    } else if (parent.each) {
      if (typeof items === 'string') return finishParent(deps, tx, parent, { error: items }, effects);
      if (items!.length === 0) return finishParent(deps, tx, parent, {}, effects);
      broken = await expandEach(tx, job, parent, items!, now, effects);
    } else if (parent.subjob) {
      const sub = await startSubJob(tx, job, parent, now, effects);
      const running = await tx.updateTask(parent.id!, (t) => {
        t.subjob!.id = sub.id;
      });
      if (parent.subjob.detached) await finishParent(deps, tx, running, {}, effects);
    }
    if (broken) await finishParent(deps, tx, parent, { error: broken.error }, effects);
  }, job.id);
  await effects.run(deps);
  await handlePendingTasks(deps, effects);
}

/** A child finished well: store its `var`, count it, and complete the parent when all are done. */
export async function completeChildTask(deps: HandlerDeps, tx: Datastore, child: Task, effects: Effects): Promise<void> {
  if (child.var && child.result) {
    await tx.updateJob(child.jobId!, (j) => {
      j.context.tasks = { ...j.context.tasks, [child.var!]: child.result! };
    });
  }
  await countChild(deps, tx, child, false, effects);
}

/** A child failed for good (no retries left). */
export async function failChildTask(deps: HandlerDeps, tx: Datastore, child: Task, effects: Effects): Promise<void> {
  const parent = await tx.findTask(child.parentId!);
  if (!parent || !isTaskActive(parent.state!)) return;
  if (parent.parallel?.allowFailures || parent.each?.allowFailures) {
    await countChild(deps, tx, child, true, effects);
  } else {
    await finishParent(deps, tx, parent, { error: child.error }, effects);
  }
}

async function countChild(deps: HandlerDeps, tx: Datastore, child: Task, failed: boolean, effects: Effects): Promise<void> {
  let done = false;
  let release = false;
  const parent = await tx.updateTask(child.parentId!, (t) => {
    if (!isTaskActive(t.state!)) return;
    const block = t.parallel ?? t.each;
    if (!block) return;
    if (failed) block.failures = (block.failures ?? 0) + 1;
    else block.completions = (block.completions ?? 0) + 1;
    const total = t.parallel ? t.parallel.tasks.length : (t.each!.size ?? 0);
    done = (block.completions ?? 0) + (block.failures ?? 0) >= total;
    if (t.each && !done && (t.each.concurrency ?? 0) > 0 && (t.each.index ?? 0) < total) {
      release = true;
      t.each.index = (t.each.index ?? 0) + 1;
    }
  });
  if (release) await releaseNextEachChild(tx, parent.id!, effects);
  if (!done) return;
  const failures = (parent.parallel ?? parent.each)?.failures ?? 0;
  await finishParent(deps, tx, parent, failures > 0 ? { error: await failureSummary(tx, parent) } : {}, effects);
}

/** Complete (no error) or fail a composite task, then let its own parent or the job move on. */
export async function finishParent(
  deps: HandlerDeps,
  tx: Datastore,
  parent: Task,
  outcome: { error?: string },
  effects: Effects,
): Promise<void> {
  const now = deps.now();
  const failed = outcome.error !== undefined;
  let changed = false;
  const task = await tx.updateTask(parent.id!, (t) => {
    if (!isTaskActive(t.state!)) return;
    changed = true;
    t.state = failed ? 'FAILED' : 'COMPLETED';
    if (failed) {
      t.failedAt = now;
      t.error = outcome.error;
    } else {
      t.completedAt = now;
      if (t.subjob?.detached) t.result = undefined;
    }
  });
  if (!changed) return;
  effects.taskState(task);
  if (failed) {
    await cancelDescendants(tx, task.id!, effects);
    if (task.parentId) await failChildTask(deps, tx, task, effects);
    else await failJob(tx, task.jobId!, task.error, now, effects);
  } else if (task.parentId) {
    await completeChildTask(deps, tx, task, effects);
  } else {
    await advanceJob(tx, task, now, effects);
  }
}

/** Stop the still-active children (and their children) of a parent that failed. */
async function cancelDescendants(tx: Datastore, parentId: string, effects: Effects): Promise<void> {
  for (const child of await tx.getChildTasks(parentId)) {
    if (!isTaskActive(child.state!)) continue;
    const cancelled = await tx.updateTask(child.id!, (t) => {
      t.state = 'CANCELLED';
    });
    effects.taskCancelled(cancelled);
    if (cancelled.subjob?.id && !cancelled.subjob.detached) {
      const sub = await tx.findJob(cancelled.subjob.id);
      if (sub) effects.cancelJob(sub);
    } else if (taskKind(cancelled) === 'regular') {
      effects.cancelOnNode(cancelled);
    } else {
      await cancelDescendants(tx, cancelled.id!, effects);
    }
  }
}

/** `2 of 5 tasks failed: "a" (exit code 1: …); "b" (…)`, from the latest attempt of each child. */
async function failureSummary(tx: Datastore, parent: Task): Promise<string> {
  const latest = latestAttempts(await tx.getChildTasks(parent.id!));
  const failed = [...latest.values()].filter((c) => c.state === 'FAILED');
  const total = parent.parallel ? parent.parallel.tasks.length : (parent.each?.size ?? latest.size);
  const shown = failed.slice(0, 10).map((c) => `"${c.name ?? ''}" (${(c.error ?? '').split('\n')[0]})`);
  const more = failed.length > shown.length ? `; and ${failed.length - shown.length} more` : '';
  return `${failed.length} of ${total} tasks failed: ${shown.join('; ')}${more}`;
}

/** The newest record of each child slot (retries and restarts create several). */
export function latestAttempts(children: Task[]): Map<number, Task> {
  const latest = new Map<number, Task>();
  for (const child of children) {
    const key = child.childIndex ?? -1;
    const seen = latest.get(key);
    if (!seen || (child.createdAt?.getTime() ?? 0) >= (seen.createdAt?.getTime() ?? 0)) latest.set(key, child);
  }
  return latest;
}
