import { Migrator, sql, type Kysely } from 'kysely';
import { coerceError, NotFoundError } from '../../errors.js';
import { silentLogger, type Logger } from '../../logger.js';
import type { Job, Role, User } from '../../model/job.js';
import type { TaskLogPart } from '../../model/log-part.js';
import { NODE_LISTED_FOR_MS, type Node } from '../../model/node.js';
import type { Page } from '../../model/page.js';
import type { ScheduledJob } from '../../model/scheduled-job.js';
import type { JobState, TaskState } from '../../model/states.js';
import type { Task } from '../../model/task.js';
import type {
  Datastore,
  JobList,
  JobListQuery,
  JobQuery,
  LogChunk,
  LogChunkQuery,
  LogQuery,
  LogScope,
  LogStats,
  Metrics,
  Modify,
  PageRequest,
  PurgeRequest,
  StateCounts,
  TransactionOptions,
  WebhookDelivery,
} from '../datastore.js';
import type { SqlCapabilities } from './capabilities.js';
import { SecretCipher } from './cipher.js';
import * as jobs from './jobs.js';
import * as locks from './locks.js';
import * as logs from './logs.js';
import { migrationProvider } from './migrations.js';
import * as nodes from './nodes.js';
import * as scheduled from './scheduled-jobs.js';
import { countActiveStates } from './state-counts.js';
import { SealedColumnsPlugin } from './sealed-columns.js';
import type { Database } from './tables.js';
import * as tasks from './tasks.js';
import { FLUSH } from './deferred-writes.js';
import { LockedJobs, type TransactionScope } from './transaction-scope.js';
import { TransactionBatcher } from './transaction-batcher.js';
import * as uiReads from './ui-reads.js';
import * as users from './users.js';
import * as webhooks from './webhooks.js';

export interface SqlDatastoreOptions {
  /** The Kysely instance to run on; the datastore owns it and destroys it on `close()`. */
  db: Kysely<Database>;
  capabilities: SqlCapabilities;
  /** @default a silent logger */
  logger?: Logger;
  /**
   * Passphrase for secrets at rest (`datastore.encryption.key`): the columns that can hold
   * secrets (records.ts `SEALED_COLUMNS`) are sealed with AES-256-GCM. Without it they are
   * stored in clear, and values sealed earlier cannot be read.
   * @default no encryption
   */
  encryptionKey?: string;
}

/** What a datastore and the transaction-bound copies made from it share. */
interface SharedState {
  /** The `guest` user, read once: jobs without a creator are its. */
  guest?: Promise<User | undefined>;
  closed: boolean;
}

/**
 * The `Datastore` on any SQL back end Kysely speaks; subclasses open the connection and supply
 * the capabilities. `transaction(fn)` hands `fn` a copy bound to a Kysely transaction: its calls
 * join that transaction, and nested `transaction` calls reuse it.
 *
 * Danger: inside `fn`, use only the datastore it is given. On SQLite the outer datastore waits for
 * the single connection that the transaction holds, so calling it from `fn` never returns.
 */
export class SqlDatastore implements Datastore {
  protected readonly db: Kysely<Database>;
  protected readonly caps: SqlCapabilities;
  protected readonly logger: Logger;
  /** Replaced by the one of the parent in copies bound to a transaction. */
  private shared: SharedState = { closed: false };
  private readonly batchers: TransactionBatcher[] = [];
  /** In a copy bound to a transaction: what the query functions may know of it. */
  private scope: TransactionScope | undefined;

  constructor(options: SqlDatastoreOptions) {
    if (!options.db) throw new Error('SqlDatastore: option `db` is required');
    if (!options.capabilities) throw new Error('SqlDatastore: option `capabilities` is required');
    // A transaction's Kysely already carries the plugin of the datastore that opened it.
    this.db = options.db.isTransaction
      ? options.db
      : options.db.withPlugin(new SealedColumnsPlugin(options.encryptionKey ? new SecretCipher(options.encryptionKey) : undefined));
    this.caps = options.capabilities;
    this.logger = options.logger ?? silentLogger();
  }

  async migrate(): Promise<void> {
    if (this.db.isTransaction) throw new Error('migrate() cannot run inside a transaction');
    const migrator = new Migrator({ db: this.db, provider: migrationProvider(this.caps) });
    const { error, results } = await migrator.migrateToLatest();
    if (error) throw new Error(`migrating the ${this.caps.name} datastore`, { cause: coerceError(error) });
    const applied = (results ?? []).map((r) => r.migrationName);
    this.logger.info({ applied }, applied.length > 0 ? 'datastore migrated' : 'datastore schema up to date');
  }

  /**
   * Transactions asked for here while another of the same lane runs share one commit (see
   * TransactionBatcher); each still commits or rolls back as a whole, and resolves only once
   * committed. Lanes (`TransactionOptions.key`) run at the same time on other connections.
   */
  transaction<T>(fn: (tx: Datastore) => Promise<T>, options?: TransactionOptions): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    return this.lane(options?.key).run((db) => fn(this.boundTo(db)));
  }

  /** The group commit that carries the transactions of `key` (see `TransactionOptions.key`). */
  private lane(key: string | undefined): TransactionBatcher {
    const lanes = this.caps.rowLocks ? Math.max(1, this.caps.transactionLanes ?? 1) : 1;
    const index = key === undefined || lanes === 1 ? 0 : hashOf(key) % lanes;
    let batcher = this.batchers[index];
    if (!batcher) {
      // A body's deferred writes go before the next body starts: a failing one is its error.
      batcher = this.batchers[index] = new TransactionBatcher(this.db, {
        afterBody: this.caps.deferredWrites ? (db) => FLUSH.execute(db).then(() => undefined) : undefined,
        startNextTurn: this.caps.synchronousDriver === true,
      });
    }
    return batcher;
  }

  private boundTo(db: Kysely<Database>): SqlDatastore {
    const bound = new SqlDatastore({ db, capabilities: this.caps, logger: this.logger });
    bound.shared = this.shared;
    bound.scope = { lockedJobs: new LockedJobs(), deferWrites: this.caps.deferredWrites === true };
    return bound;
  }

  /** Run `fn` in the current transaction, or in a new one. */
  private inTransaction<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this.db);
    return this.db.transaction().execute(fn);
  }

  // ---- jobs --------------------------------------------------------------------------------

  async createJob(job: Job): Promise<void> {
    await this.inTransaction(async (db) => {
      const creator = job.createdBy
        ? await users.resolveCreatorId(db, job.createdBy)
        : await this.guestId(db);
      await jobs.insertJob(db, job, creator ?? null, this.scope);
    });
  }

  private async guestId(db: Kysely<Database>): Promise<string | undefined> {
    return (await this.guest(db))?.id;
  }

  async changeToken(): Promise<string | undefined> {
    return this.caps.changeToken?.(this.db);
  }

  guestUser(): Promise<User | undefined> {
    return this.guest(this.db);
  }

  private guest(db: Kysely<Database>): Promise<User | undefined> {
    // Read on the caller's connection (inside its transaction, the only one on SQLite). Neither
    // a failed read nor a missing user is remembered.
    this.shared.guest ??= users.findGuest(db).then(
      (user) => {
        if (!user) this.shared.guest = undefined;
        return user;
      },
      (err: unknown) => {
        this.shared.guest = undefined;
        throw err;
      },
    );
    return this.shared.guest;
  }

  async getJob(id: string): Promise<Job> {
    return orNotFound(await this.findJob(id), 'job not found');
  }

  findJob(id: string): Promise<Job | undefined> {
    return jobs.selectJob(this.db, this.caps, id);
  }

  findJobState(id: string): Promise<JobState | undefined> {
    return jobs.selectJobState(this.db, id);
  }

  updateJob(id: string, modify: Modify<Job>): Promise<Job> {
    return this.inTransaction(async (db) =>
      orNotFound(await jobs.modifyJob(db, this.caps, id, modify, this.scope), 'job not found'),
    );
  }

  listJobs(query: JobQuery): Promise<Page<Job>> {
    return jobs.listJobs(this.db, this.caps, query);
  }

  getExecution(jobId: string): Promise<Task[]> {
    return tasks.selectExecution(this.db, jobId);
  }

  listJobsByState(states: JobState[], limit: number): Promise<Job[]> {
    return jobs.listJobsByState(this.db, states, limit);
  }

  async deleteJob(id: string): Promise<void> {
    this.scope?.lockedJobs.forget();
    const deleted = await this.inTransaction((db) => jobs.deleteJobs(db, [id]));
    if (deleted === 0) throw new NotFoundError('job not found');
  }

  // ---- tasks -------------------------------------------------------------------------------

  createTask(task: Task): Promise<void> {
    return tasks.insertTasks(this.db, this.caps, [task], this.scope);
  }

  async createTasks(list: Task[]): Promise<void> {
    if (list.length === 0) return;
    await this.inTransaction((db) => tasks.insertTasks(db, this.caps, list, this.scope));
  }

  async getTask(id: string): Promise<Task> {
    return orNotFound(await this.findTask(id), 'task not found');
  }

  findTask(id: string): Promise<Task | undefined> {
    return tasks.selectTask(this.db, id);
  }

  updateTask(id: string, modify: Modify<Task>): Promise<Task> {
    return this.inTransaction(async (db) =>
      orNotFound(await tasks.modifyTask(db, this.caps, id, modify, this.scope), 'task not found'),
    );
  }

  getActiveTasks(jobId: string): Promise<Task[]> {
    return tasks.selectActiveTasks(this.db, jobId);
  }

  getChildTasks(parentId: string): Promise<Task[]> {
    return tasks.selectChildTasks(this.db, parentId);
  }

  findNextCreatedChild(parentId: string): Promise<Task | undefined> {
    return tasks.selectNextCreatedChild(this.db, parentId);
  }

  listTasksInFlight(states: TaskState[]): Promise<Task[]> {
    return tasks.selectTasksInFlight(this.db, states);
  }

  // ---- logs --------------------------------------------------------------------------------

  async createLogParts(parts: TaskLogPart[]): Promise<void> {
    if (parts.length === 0) return;
    await this.inTransaction((db) => logs.insertLogParts(db, this.caps, parts));
  }

  getTaskLogParts(taskId: string, query: LogQuery): Promise<Page<TaskLogPart>> {
    return logs.selectTaskLogParts(this.db, this.caps, taskId, query);
  }

  getJobLogParts(jobId: string, query: LogQuery): Promise<Page<TaskLogPart>> {
    return logs.selectJobLogParts(this.db, this.caps, jobId, query);
  }

  listLogChunks(scope: LogScope, query: LogChunkQuery): Promise<LogChunk[]> {
    return uiReads.selectLogChunks(this.db, scope, query);
  }

  getLogStats(scope: LogScope, beforeSeq?: number): Promise<LogStats> {
    return uiReads.selectLogStats(this.db, scope, beforeSeq);
  }

  listJobSummaries(query: JobListQuery): Promise<JobList> {
    return uiReads.listJobSummaries(this.db, this.caps, query);
  }

  // ---- nodes and metrics -------------------------------------------------------------------

  upsertNode(node: Node): Promise<void> {
    return nodes.upsertNode(this.db, node);
  }

  findNode(id: string): Promise<Node | undefined> {
    return nodes.selectNode(this.db, id);
  }

  getActiveNodes(since: Date): Promise<Node[]> {
    return nodes.selectActiveNodes(this.db, since);
  }

  async getMetrics(now: Date): Promise<Metrics> {
    const [jobsRunning, tasksRunning, online] = await Promise.all([
      jobs.countJobsInState(this.db, 'RUNNING'),
      tasks.countRunningTasks(this.db),
      nodes.nodeStats(this.db, new Date(now.getTime() - NODE_LISTED_FOR_MS)),
    ]);
    return { jobs: { running: jobsRunning }, tasks: { running: tasksRunning }, nodes: online };
  }

  countActiveStates(): Promise<StateCounts> {
    return countActiveStates(this.db);
  }

  // ---- scheduled jobs ----------------------------------------------------------------------

  async createScheduledJob(job: ScheduledJob): Promise<void> {
    await this.inTransaction(async (db) => {
      const creator = job.createdBy
        ? await users.resolveCreatorId(db, job.createdBy)
        : await this.guestId(db);
      await scheduled.insertScheduledJob(db, job, creator ?? null);
    });
  }

  async getScheduledJob(id: string): Promise<ScheduledJob> {
    return orNotFound(await scheduled.selectScheduledJob(this.db, this.caps, id), 'scheduled job not found');
  }

  updateScheduledJob(id: string, modify: Modify<ScheduledJob>): Promise<ScheduledJob> {
    return this.inTransaction(async (db) =>
      orNotFound(await scheduled.modifyScheduledJob(db, this.caps, id, modify), 'scheduled job not found'),
    );
  }

  listScheduledJobs(query: PageRequest & { username?: string }): Promise<Page<ScheduledJob>> {
    return scheduled.listScheduledJobs(this.db, query);
  }

  listActiveScheduledJobs(): Promise<ScheduledJob[]> {
    return scheduled.listActiveScheduledJobs(this.db);
  }

  async deleteScheduledJob(id: string): Promise<void> {
    const deleted = await this.inTransaction((db) => scheduled.deleteScheduledJob(db, id));
    if (deleted === 0) throw new NotFoundError('scheduled job not found');
  }

  // ---- users and roles ---------------------------------------------------------------------

  createUser(user: User & { passwordHash?: string }): Promise<void> {
    return users.insertUser(this.db, this.caps, user);
  }

  findUser(usernameOrId: string): Promise<(User & { passwordHash?: string }) | undefined> {
    return users.findUser(this.db, usernameOrId);
  }

  createRole(role: Role): Promise<void> {
    return users.insertRole(this.db, this.caps, role);
  }

  findRole(slugOrId: string): Promise<Role | undefined> {
    return users.findRole(this.db, slugOrId);
  }

  assignRole(userId: string, roleId: string): Promise<void> {
    return users.assignRole(this.db, userId, roleId);
  }

  getUserRoles(userId: string): Promise<Role[]> {
    return users.getUserRoles(this.db, userId);
  }

  // ---- locks and the webhook outbox --------------------------------------------------------

  claimLock(key: string, now: Date, ttlMs: number): Promise<boolean> {
    return locks.claimLock(this.db, key, now, ttlMs);
  }

  async enqueueWebhooks(deliveries: WebhookDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.inTransaction((db) => webhooks.insertWebhooks(db, this.caps, deliveries));
  }

  claimDueWebhooks(now: Date, limit: number, leaseMs: number): Promise<WebhookDelivery[]> {
    return webhooks.claimDueWebhooks(this.db, this.caps, now, limit, leaseMs);
  }

  updateWebhook(id: string, patch: Parameters<Datastore['updateWebhook']>[1]): Promise<void> {
    return webhooks.updateWebhook(this.db, id, patch);
  }

  getWebhooks(jobId: string): Promise<WebhookDelivery[]> {
    return webhooks.selectWebhooks(this.db, jobId);
  }

  // ---- retention and lifecycle -------------------------------------------------------------

  /**
   * Beyond the port's log parts and jobs (each at most `limit`): finished webhook deliveries
   * created before `jobsBefore`, and scheduler tick locks claimed before `logsBefore`, so that
   * neither table grows forever. The count returned covers all four kinds.
   */
  purge(request: PurgeRequest): Promise<number> {
    this.scope?.lockedJobs.forget();
    return this.inTransaction(async (db) => {
      const { logsBefore, jobsBefore, now, limit } = request;
      const parts = await logs.purgeLogParts(db, logsBefore, limit);
      const jobCount = await jobs.purgeJobs(db, now, jobsBefore, limit);
      const deliveries = await webhooks.purgeWebhooks(db, jobsBefore, limit);
      const lockCount = await locks.purgeLocks(db, logsBefore, limit);
      return parts + jobCount + deliveries + lockCount;
    });
  }

  async healthCheck(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    if (this.db.isTransaction) throw new Error('close() the datastore, not a transaction bound to it');
    if (this.shared.closed) return;
    this.shared.closed = true;
    await this.db.destroy();
  }
}

/** FNV-1a: spreads job ids (random) and any other key evenly enough over a few lanes. */
function hashOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

function orNotFound<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw new NotFoundError(message);
  return value;
}
