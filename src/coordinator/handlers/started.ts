import { withTx } from '../transaction.js';
import { isJobActive } from '../../model/states.js';
import type { Task } from '../../model/task.js';
import type { HandlerDeps } from '../deps.js';
import { Effects } from '../effects.js';
import { promoteJob } from '../job-flow.js';
import type { Datastore, Modify } from '../../datastore/datastore.js';
import { NotFoundError } from '../../errors.js';

/**
 * The `started` queue: a worker began a task. Promotes the job SCHEDULED → RUNNING and the
 * task SCHEDULED → RUNNING. When the job was stopped meanwhile, tells the worker to stop.
 */
export async function handleStarted(deps: HandlerDeps, message: Task): Promise<void> {
  const effects = new Effects();
  await withTx(deps, effects, async (tx) => {
    // The state alone: the rest of the job (its task definitions above all) is not needed here.
    const jobState = await tx.findJobState(message.jobId!);
    if (!jobState) return;
    if (!isJobActive(jobState)) {
      const stored = await tx.findTask(message.id!);
      if (stored && (stored.state === 'CANCELLED' || stored.state === 'SCHEDULED' || stored.state === 'RUNNING')) {
        effects.cancelOnNode({ ...stored, nodeId: message.nodeId });
      }
      return;
    }
    // One read of the task, under lock (this runs for every task): a task that does not exist
    // is ignored, as a redelivery of a deleted job's task would be.
    const task = await updateTaskIfExists(tx, message.id!, (t) => {
      if (t.state === 'SCHEDULED') {
        t.state = 'RUNNING';
        t.startedAt = message.startedAt ?? deps.now();
      }
      // A redelivered task may start on another worker: the latest one is where it runs.
      if (message.nodeId) t.nodeId = message.nodeId;
    });
    if (!task) return;
    if (jobState === 'SCHEDULED') await promoteJob(tx, message.jobId!, effects, jobState);
    if (task.state === 'RUNNING') effects.taskState(task);
  }, message.jobId);
  await effects.run(deps);
}

async function updateTaskIfExists(tx: Datastore, id: string, modify: Modify<Task>): Promise<Task | undefined> {
  try {
    return await tx.updateTask(id, modify);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}
