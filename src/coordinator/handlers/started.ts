import { withTx } from '../transaction.js';
import { isJobActive } from '../../model/states.js';
import type { Task } from '../../model/task.js';
import type { HandlerDeps } from '../deps.js';
import { Effects } from '../effects.js';

/**
 * The `started` queue: a worker began a task. Promotes the job SCHEDULED → RUNNING and the
 * task SCHEDULED → RUNNING. When the job was stopped meanwhile, tells the worker to stop.
 */
export async function handleStarted(deps: HandlerDeps, message: Task): Promise<void> {
  const effects = new Effects();
  await withTx(deps, effects, async (tx) => {
    const stored = await tx.findTask(message.id!);
    if (!stored) return;
    const job = await tx.findJob(message.jobId!);
    if (!job) return;
    if (!isJobActive(job.state)) {
      if (stored.state === 'CANCELLED' || stored.state === 'SCHEDULED' || stored.state === 'RUNNING') {
        effects.cancelOnNode({ ...stored, nodeId: message.nodeId });
      }
      return;
    }
    if (job.state === 'SCHEDULED') {
      let promoted = false;
      const running = await tx.updateJob(job.id, (j) => {
        if (j.state !== 'SCHEDULED') return;
        promoted = true;
        j.state = 'RUNNING';
      });
      if (promoted) effects.jobState(running);
    }
    const task = await tx.updateTask(message.id!, (t) => {
      if (t.state === 'SCHEDULED') {
        t.state = 'RUNNING';
        t.startedAt = message.startedAt ?? deps.now();
      }
      // A redelivered task may start on another worker: the latest one is where it runs.
      if (message.nodeId) t.nodeId = message.nodeId;
    });
    if (task.state === 'RUNNING') effects.taskState(task);
  });
  await effects.run(deps.broker);
}
