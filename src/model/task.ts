/**
 * Glossary (shared by the whole model):
 * - job: a named, ordered list of tasks submitted by a user; runs them top to bottom.
 * - task: one step of a job. Regular tasks run on a worker as a process or container;
 *   composite tasks (`parallel`, `each`, `subjob`) are expanded by the coordinator.
 * - execution: every task record created for a job (retries and children included).
 * - node: a running coordinator or worker process, known through its heartbeats.
 * - queue: a named broker queue; tasks go to their `queue` (default `default`).
 * - worker: consumes task queues and runs tasks with a runtime.
 * - coordinator: owns all job and task state and decides what runs next.
 */
import type { TaskState } from './states.js';

export interface TaskRetry {
  /** Additional attempts after the first failure (1–10). */
  limit: number;
  /** Which retry this record is (0 for the first attempt). */
  attempts?: number;
  /** Delay before the first retry (Go duration). Drover extension that Tork documents. */
  initialDelay?: string;
  /** Multiplier applied to the delay for each further retry. */
  scalingFactor?: number;
}

export interface TaskLimits {
  cpus?: string;
  memory?: string;
}

export interface Mount {
  id?: string;
  type: string;
  source?: string;
  target?: string;
  opts?: Record<string, string>;
}

export interface Registry {
  username?: string;
  password?: string;
}

export interface Probe {
  path: string;
  port: number;
  timeout?: string;
}

export interface ParallelBlock {
  tasks: Task[];
  completions?: number;
  /** Drover extension: children that failed for good (only counted with `allowFailures`). */
  failures?: number;
  /** Drover extension: let the remaining children finish when one fails. */
  allowFailures?: boolean;
}

export interface EachBlock {
  var?: string;
  list: string;
  task: Task;
  size?: number;
  completions?: number;
  concurrency?: number;
  index?: number;
  failures?: number;
  allowFailures?: boolean;
}

export interface Webhook {
  url: string;
  headers?: Record<string, string>;
  event?: string;
  if?: string;
}

export interface AutoDelete {
  after?: string;
}

export interface SubJobBlock {
  id?: string;
  name: string;
  description?: string;
  tasks: Task[];
  inputs?: Record<string, string>;
  secrets?: Record<string, string>;
  autoDelete?: AutoDelete;
  output?: string;
  detached?: boolean;
  webhooks?: Webhook[];
}

/** A task, both as a definition (inside `job.tasks`) and as an execution record. */
export interface Task {
  id?: string;
  jobId?: string;
  parentId?: string;
  position?: number;
  name?: string;
  description?: string;
  state?: TaskState;
  createdAt?: Date;
  scheduledAt?: Date;
  startedAt?: Date;
  completedAt?: Date;
  failedAt?: Date;
  cmd?: string[];
  entrypoint?: string[];
  run?: string;
  image?: string;
  registry?: Registry;
  env?: Record<string, string>;
  files?: Record<string, string>;
  queue?: string;
  redelivered?: number;
  error?: string;
  pre?: Task[];
  post?: Task[];
  sidecars?: Task[];
  mounts?: Mount[];
  networks?: string[];
  nodeId?: string;
  retry?: TaskRetry;
  limits?: TaskLimits;
  timeout?: string;
  result?: string;
  var?: string;
  if?: string;
  parallel?: ParallelBlock;
  each?: EachBlock;
  subjob?: SubJobBlock;
  gpus?: string;
  tags?: string[];
  workdir?: string;
  priority?: number;
  progress?: number;
  probe?: Probe;
  /** Drover extension: exit code of the last process, when it exited. */
  exitCode?: number;
  /** Drover extension: why the process was stopped (`timeout`, `cancel`, `oom`). */
  killedBy?: string;
  /**
   * Drover extension: which item of its parent's `parallel.tasks` or `each.list` this child
   * runs (0-based). Lets a restart re-run only the children that did not complete.
   */
  childIndex?: number;
}

/** The kind of a task, decided by which composite block it carries. */
export type TaskKind = 'regular' | 'parallel' | 'each' | 'subjob';

export function taskKind(task: Task): TaskKind {
  if (task.parallel) return 'parallel';
  if (task.each) return 'each';
  if (task.subjob) return 'subjob';
  return 'regular';
}

/** A deep copy that keeps `Date` values (messages and records must never share objects). */
export function cloneTask(task: Task): Task {
  return structuredClone(task);
}
