import type { Job, Role, User } from '../model/job.js';
import type { TaskLogPart } from '../model/log-part.js';
import type { Node } from '../model/node.js';
import type { Page } from '../model/page.js';
import type { ScheduledJob } from '../model/scheduled-job.js';
import type { JobState, TaskState } from '../model/states.js';
import type { Task } from '../model/task.js';

export interface PageRequest {
  /** 1-based. */
  page: number;
  size: number;
}

export interface JobQuery extends PageRequest {
  /** Tork's search text: words, `tag:x`, `tags:a,b` (api spec §3.3). */
  q?: string;
  /** When set, only jobs this user may see (no permission rows, or naming the user or one of their roles). */
  username?: string;
}

export interface LogQuery extends PageRequest {
  /** Full-text search in the contents. */
  q?: string;
}

export interface Metrics {
  jobs: { running: number };
  tasks: { running: number };
  nodes: { online: number; cpuPercent: number };
}

/** Jobs and tasks per active state (finished states are not counted here). */
export interface StateCounts {
  jobs: Partial<Record<JobState, number>>;
  tasks: Partial<Record<TaskState, number>>;
}

/** A change to apply to a row read under lock. It mutates the object it is given. */
export type Modify<T> = (current: T) => void | Promise<void>;

/** One webhook call waiting in the durable outbox. */
export interface WebhookDelivery {
  id: string;
  jobId: string;
  /** The event name, e.g. `job.StateChange`. */
  event: string;
  url: string;
  headers: Record<string, string>;
  /** The JSON body, already redacted. */
  body: string;
  /** Attempts made so far. */
  attempts: number;
  state: 'PENDING' | 'DELIVERED' | 'FAILED';
  nextAttemptAt: Date;
  createdAt: Date;
  lastError?: string;
  deliveredAt?: Date;
}

export interface PurgeRequest {
  /** Delete log parts created before this. */
  logsBefore: Date;
  /** Delete finished jobs created before this. */
  jobsBefore: Date;
  now: Date;
  /** At most this many rows of each kind. */
  limit: number;
}

/** Which log a read covers: one task's, or every task of a job merged in the order stored. */
export type LogScope = { taskId: string } | { jobId: string };

/**
 * A stored log part with `seq`, its insertion position: it grows with every part stored, never
 * changes, and orders the parts of one task as their numbers do (the UI's log cursor).
 */
export interface LogChunk extends TaskLogPart {
  seq: number;
}

export interface LogChunkQuery {
  /** Only parts stored after this one (exclusive). */
  afterSeq?: number;
  /** Only parts stored before this one (exclusive). */
  beforeSeq?: number;
  /** `asc` from the oldest, `desc` from the newest. */
  order: 'asc' | 'desc';
  limit: number;
}

/** Counts over a log (or over its parts before `beforeSeq`). */
export interface LogStats {
  parts: number;
  /** Newline characters in the contents. */
  newlines: number;
  /** `seq` of the newest part, 0 when there is none. */
  lastSeq: number;
  /** Whether the newest part's contents end with a newline (true when there is no part). */
  endsWithNewline: boolean;
}

/** The UI's job list: filters Tork's list lacks, keyset paging (stable while jobs are added). */
export interface JobListQuery {
  /** Any of these states; all when empty or missing. */
  states?: JobState[];
  /** Tork's search text (words, `tag:x`, `tags:a,b`). */
  q?: string;
  /** Created at or after. */
  since?: Date;
  /** Created before. */
  until?: Date;
  /** Only the jobs this schedule started. */
  scheduledJobId?: string;
  /** Only the sub-jobs started by this task. */
  parentId?: string;
  /** The `next` of the previous page. */
  cursor?: string;
  limit: number;
  /** When set, only jobs this user may see (as in `JobQuery`). */
  username?: string;
}

export interface JobList {
  /** Summaries (`tasks: []`), newest first. */
  items: Job[];
  /** Pass as `cursor` for the next (older) page; undefined on the last page. */
  next?: string;
}

export interface TransactionOptions {
  /**
   * What the transaction is about, mostly a job's id. Transactions of one key run one after
   * another, as they were asked for; a back end with row locks may run those of other keys at
   * the same time, on other connections (`SqlCapabilities.transactionLanes`). No key: the first
   * lane.
   */
  key?: string;
}

/**
 * Where every job, task, node and log line lives.
 *
 * Guarantees:
 * - every method is atomic; `update*` reads the row under a row lock (`FOR UPDATE` where the
 *   back end has row locks; SQLite serialises writers), applies `modify`, writes it back, and
 *   returns the row as written;
 * - `transaction(fn)` runs `fn` against a datastore bound to one transaction: all of its
 *   calls commit together or not at all. Publish to the broker only after it returns;
 * - `get*` throws `NotFoundError` for a missing row, `find*` returns `undefined`;
 * - lists are ordered as the API spec says (jobs newest first, logs newest first).
 *
 * Non-goals: caching; cross-datastore transactions.
 */
export interface Datastore {
  /** Create or upgrade the schema. Idempotent; safe when two processes run it at once. */
  migrate(): Promise<void>;
  transaction<T>(fn: (tx: Datastore) => Promise<T>, options?: TransactionOptions): Promise<T>;

  /** Stores a new job; one without `createdBy` is the `guest` user's. */
  createJob(job: Job): Promise<void>;
  /**
   * A token that changes whenever anything stored may have changed, whoever wrote it: equal
   * tokens read before two reads mean both read the same data. Optional, and undefined where
   * the back end cannot tell cheaply (PostgreSQL); callers then cache nothing.
   */
  changeToken?(): Promise<string | undefined>;
  /** The `guest` user, creator of the jobs submitted without one (read once, then remembered). */
  guestUser(): Promise<User | undefined>;
  getJob(id: string): Promise<Job>;
  findJob(id: string): Promise<Job | undefined>;
  /** A job's state alone (or undefined when there is no such job): a far cheaper read than `findJob`. */
  findJobState(id: string): Promise<JobState | undefined>;
  updateJob(id: string, modify: Modify<Job>): Promise<Job>;
  /**
   * Job summaries: no `tasks`/`execution` (the returned jobs have `tasks: []`), but `secrets`,
   * so that inputs and results can be redacted by value before they are shown.
   */
  listJobs(query: JobQuery): Promise<Page<Job>>;
  /** Every task record of a job, ordered by position, then startedAt (unstarted last), then createdAt. */
  getExecution(jobId: string): Promise<Task[]>;
  /** Jobs in these states, oldest first (start-up recovery). */
  listJobsByState(states: JobState[], limit: number): Promise<Job[]>;
  deleteJob(id: string): Promise<void>;

  createTask(task: Task): Promise<void>;
  createTasks(tasks: Task[]): Promise<void>;
  getTask(id: string): Promise<Task>;
  findTask(id: string): Promise<Task | undefined>;
  updateTask(id: string, modify: Modify<Task>): Promise<Task>;
  /** Tasks of a job in CREATED, PENDING, SCHEDULED or RUNNING, by position then createdAt. */
  getActiveTasks(jobId: string): Promise<Task[]>;
  /** Children of a parallel/each task (any state), by createdAt. */
  getChildTasks(parentId: string): Promise<Task[]>;
  /** The first (by createdAt) child of `parentId` in state CREATED, or undefined. */
  findNextCreatedChild(parentId: string): Promise<Task | undefined>;
  /** Tasks in these states whose job is SCHEDULED or RUNNING (start-up recovery). */
  listTasksInFlight(states: TaskState[]): Promise<Task[]>;

  createLogParts(parts: TaskLogPart[]): Promise<void>;
  /** Newest first (number descending). */
  getTaskLogParts(taskId: string, query: LogQuery): Promise<Page<TaskLogPart>>;
  /** Newest first: task position desc, task createdAt desc, number desc. */
  getJobLogParts(jobId: string, query: LogQuery): Promise<Page<TaskLogPart>>;

  /** A range of a task's or job's log parts by `seq` (see {@link LogChunk}). */
  listLogChunks(scope: LogScope, query: LogChunkQuery): Promise<LogChunk[]>;
  /** Counts over a log's parts, all of them or those before `beforeSeq`. */
  getLogStats(scope: LogScope, beforeSeq?: number): Promise<LogStats>;
  /** The UI's job list: summaries, newest first, with state/time/schedule filters. */
  listJobSummaries(query: JobListQuery): Promise<JobList>;

  /** Insert a node, or update its heartbeat fields unless the stored heartbeat is newer. */
  upsertNode(node: Node): Promise<void>;
  findNode(id: string): Promise<Node | undefined>;
  /** Nodes with a heartbeat after `since`, by name. */
  getActiveNodes(since: Date): Promise<Node[]>;

  getMetrics(now: Date): Promise<Metrics>;
  /** Jobs and tasks in each active state (PENDING…RUNNING), each state present, 0 when none. */
  countActiveStates(): Promise<StateCounts>;

  createScheduledJob(job: ScheduledJob): Promise<void>;
  getScheduledJob(id: string): Promise<ScheduledJob>;
  updateScheduledJob(id: string, modify: Modify<ScheduledJob>): Promise<ScheduledJob>;
  listScheduledJobs(query: PageRequest & { username?: string }): Promise<Page<ScheduledJob>>;
  listActiveScheduledJobs(): Promise<ScheduledJob[]>;
  /** Deletes the schedule and every job it created. */
  deleteScheduledJob(id: string): Promise<void>;

  createUser(user: User & { passwordHash?: string }): Promise<void>;
  /** By username or id. */
  findUser(usernameOrId: string): Promise<(User & { passwordHash?: string }) | undefined>;
  createRole(role: Role): Promise<void>;
  /** By slug or id. */
  findRole(slugOrId: string): Promise<Role | undefined>;
  assignRole(userId: string, roleId: string): Promise<void>;
  getUserRoles(userId: string): Promise<Role[]>;

  /**
   * Take the lock `key` unless another holder took it less than `ttlMs` ago. True when this call
   * took it. Used so that a scheduled job's tick fires once across coordinators.
   */
  claimLock(key: string, now: Date, ttlMs: number): Promise<boolean>;

  enqueueWebhooks(deliveries: WebhookDelivery[]): Promise<void>;
  /**
   * PENDING deliveries whose `nextAttemptAt` has come, oldest first; each returned delivery's
   * `nextAttemptAt` is pushed `leaseMs` ahead in the same statement, so two dispatchers never
   * send the same one at once.
   */
  claimDueWebhooks(now: Date, limit: number, leaseMs: number): Promise<WebhookDelivery[]>;
  updateWebhook(
    id: string,
    patch: Partial<Pick<WebhookDelivery, 'state' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'deliveredAt'>>,
  ): Promise<void>;
  getWebhooks(jobId: string): Promise<WebhookDelivery[]>;

  /** Retention: delete old log parts and expired or old finished jobs. Returns rows deleted. */
  purge(request: PurgeRequest): Promise<number>;

  healthCheck(): Promise<void>;
  close(): Promise<void>;
}
