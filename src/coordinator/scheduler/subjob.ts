import type { Datastore } from '../../datastore/datastore.js';
import { newId } from '../../model/ids.js';
import type { Job } from '../../model/job.js';
import type { Task } from '../../model/task.js';
import { QUEUE } from '../../broker/broker.js';
import type { Effects } from '../effects.js';

/**
 * Start the job a `subjob` task describes. Attached sub-jobs carry `parentId` (this task),
 * and their end completes or fails this task; detached ones are independent. Both get their
 * inputs and secrets in their context (Tork dropped a detached sub-job's secrets).
 */
export async function startSubJob(tx: Datastore, parentJob: Job, task: Task, now: Date, effects: Effects): Promise<Job> {
  const sub = task.subjob!;
  const id = newId();
  const job: Job = {
    id,
    parentId: sub.detached ? undefined : task.id,
    name: sub.name,
    description: sub.description,
    state: 'PENDING',
    createdAt: now,
    createdBy: parentJob.createdBy,
    permissions: parentJob.permissions,
    tasks: sub.tasks,
    position: 0,
    taskCount: sub.tasks.length,
    inputs: sub.inputs,
    secrets: sub.secrets,
    output: sub.output,
    webhooks: sub.webhooks,
    autoDelete: sub.autoDelete,
    context: { inputs: sub.inputs ?? {}, secrets: sub.secrets ?? {}, job: { id, name: sub.name } },
  };
  await tx.createJob(job);
  effects.publish(QUEUE.jobs, { kind: 'job', job });
  return job;
}
