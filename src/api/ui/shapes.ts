/**
 * The JSON shapes of `/ui/api` (Drover-only; Tork's API keeps its own shapes). Small on purpose:
 * timestamps are epoch milliseconds, absent fields are left out, and nothing here ever holds a
 * secret in clear (every converter takes already-redacted model objects or redacts itself).
 *
 * The web UI imports these types, so this file must stay free of Node-only code.
 */
import type { Job } from '../../model/job.js';
import type { JobState, TaskState } from '../../model/states.js';
import type { Task, TaskKind } from '../../model/task.js';

/** One task record, as the job page, the timeline and the stream carry it. */
export interface TaskBrief {
  id: string;
  jobId: string;
  parentId?: string;
  /** 1-based top-level position (children carry their parent's). */
  position: number;
  /** Index of the child in its parent's `parallel.tasks` or `each.list`. */
  childIndex?: number;
  name?: string;
  state: TaskState;
  kind: TaskKind;
  createdAt?: number;
  scheduledAt?: number;
  startedAt?: number;
  /** `completedAt` or `failedAt`. */
  endedAt?: number;
  nodeId?: string;
  queue?: string;
  /** 0 for the first attempt, 1 for the first retry … */
  attempt: number;
  retryLimit?: number;
  error?: string;
  exitCode?: number;
  killedBy?: string;
  progress?: number;
  /** The sub-job this task started. */
  subjobId?: string;
  redelivered?: number;
  /** `each.size` of an `each` record: how many items its list has. */
  fanSize?: number;
}

/** A job as lists and the stream carry it. */
export interface JobBrief {
  id: string;
  name: string;
  state: JobState;
  description?: string;
  tags?: string[];
  createdAt: number;
  startedAt?: number;
  endedAt?: number;
  /** 1-based index of the current top-level task. */
  position: number;
  taskCount: number;
  progress?: number;
  error?: string;
  result?: string;
  /** The task that started this job, when it is an attached sub-job. */
  parentId?: string;
  scheduleId?: string;
  createdBy?: string;
  /** Redacted (`[REDACTED]` for secret-looking keys and secret values). */
  inputs?: Record<string, string>;
}

const ms = (date: Date | undefined): number | undefined => (date ? date.getTime() : undefined);

/** Drop undefined members so they are left out of the JSON. */
function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

/** `task` must already be redacted. */
export function taskBrief(task: Task): TaskBrief {
  return compact<TaskBrief>({
    id: task.id ?? '',
    jobId: task.jobId ?? '',
    parentId: task.parentId,
    position: task.position ?? 0,
    childIndex: task.childIndex,
    name: task.name,
    state: task.state ?? 'CREATED',
    kind: task.parallel ? 'parallel' : task.each ? 'each' : task.subjob ? 'subjob' : 'regular',
    createdAt: ms(task.createdAt),
    scheduledAt: ms(task.scheduledAt),
    startedAt: ms(task.startedAt),
    endedAt: ms(task.completedAt ?? task.failedAt),
    nodeId: task.nodeId,
    queue: task.queue,
    attempt: task.retry?.attempts ?? 0,
    retryLimit: task.retry?.limit,
    error: task.error,
    exitCode: task.exitCode,
    killedBy: task.killedBy,
    progress: task.progress || undefined,
    subjobId: task.subjob?.id,
    redelivered: task.redelivered || undefined,
    fanSize: task.each?.size,
  });
}

/** `job` must already be redacted (`Redactor.redactSummary` or `redactJob`). */
export function jobBrief(job: Job): JobBrief {
  return compact<JobBrief>({
    id: job.id,
    name: job.name,
    state: job.state,
    description: job.description,
    tags: job.tags?.length ? job.tags : undefined,
    createdAt: job.createdAt.getTime(),
    startedAt: ms(job.startedAt),
    endedAt: ms(job.completedAt ?? job.failedAt),
    position: job.position,
    taskCount: job.taskCount,
    progress: job.progress || undefined,
    error: job.error,
    result: job.result,
    parentId: job.parentId,
    scheduleId: job.schedule?.id,
    createdBy: job.createdBy?.username,
    inputs: job.inputs && Object.keys(job.inputs).length > 0 ? job.inputs : undefined,
  });
}
