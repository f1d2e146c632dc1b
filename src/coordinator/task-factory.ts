import { coerceError } from '../errors.js';
import { newId } from '../model/ids.js';
import type { Job } from '../model/job.js';
import { cloneTask, type Task } from '../model/task.js';
import { contextOf, evaluateTask, type EvalContext } from './evaluate.js';

export interface NewTaskOptions {
  position: number;
  parentId?: string;
  now: Date;
  /** Extra names for expressions (the `each` loop variable). */
  extraContext?: EvalContext;
  state?: 'PENDING' | 'CREATED';
}

/**
 * A new task record from a definition: fresh id, evaluated templates. A template that fails
 * to evaluate gives a record in state FAILED carrying the message; the caller fails the job
 * (Drover fails it wherever the task sits; Tork ran such tasks anyway after the first).
 */
export function newTaskRecord(job: Job, definition: Task, options: NewTaskOptions): Task {
  const task = cloneTask(definition);
  task.id = newId();
  task.jobId = job.id;
  task.position = options.position;
  task.parentId = options.parentId;
  task.createdAt = options.now;
  task.state = options.state ?? 'PENDING';
  try {
    evaluateTask(task, contextOf(job, options.extraContext));
  } catch (err) {
    task.state = 'FAILED';
    task.error = coerceError(err).message;
    task.failedAt = options.now;
  }
  return task;
}

/** The next top-level task of a job, for `job.position`. */
export function newTopLevelTask(job: Job, now: Date): Task {
  const definition = job.tasks[job.position - 1];
  if (!definition) throw new Error(`job ${job.id} has no task at position ${job.position}`);
  return newTaskRecord(job, definition, { position: job.position, now });
}
