import { isTaskActive } from '../../model/states.js';
import type { Task } from '../../model/task.js';
import type { HandlerDeps } from '../deps.js';
import { Effects } from '../effects.js';
import { withTx } from '../transaction.js';

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** The `progress` queue: store a task's progress (0–100) and derive the job's. */
export async function handleProgress(deps: HandlerDeps, message: Task): Promise<void> {
  const p = Math.min(100, Math.max(0, Number(message.progress) || 0));
  const effects = new Effects();
  await withTx(deps, effects, async (tx) => {
    const stored = await tx.findTask(message.id!);
    if (!stored || !isTaskActive(stored.state!)) return;
    const task = await tx.updateTask(message.id!, (t) => {
      t.progress = round2(p);
    });
    effects.taskProgress(task);
    if (stored.parentId) return;
    const job = await tx.updateJob(message.jobId!, (j) => {
      if (j.taskCount <= 0) return;
      j.progress = round2(((j.position - 1 + p / 100) / j.taskCount) * 100);
    });
    effects.jobProgress(job);
  }, message.jobId);
  await effects.run(deps);
}
