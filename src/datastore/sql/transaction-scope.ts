import type { Expression } from 'kysely';
import { DEFERRED } from './deferred-writes.js';
import type { JobRow } from './records.js';

/**
 * The job rows one transaction has read under lock, as they stand in that transaction.
 *
 * Why: the coordinator changes a task and then its job in one transaction (a completion moves
 * the job on). On PostgreSQL, reading the task already locks its job's row first (tasks.ts), and
 * the same statement can return that row; keeping it here spares `modifyJob` a second read of a
 * row nobody else can change until the commit. Each round trip to the server costs the
 * coordinator a socket write and a wake-up, and there are few per task.
 *
 * Only valid inside the transaction that took the locks: a datastore bound to a transaction
 * owns one (`SqlDatastore.boundTo`), and every write to a job's row in it either goes through
 * `modifyJob`, which records the row as written, or forgets the rows it may have changed.
 */
export class LockedJobs {
  private readonly rows = new Map<string, JobRow>();

  get(id: string): JobRow | undefined {
    return this.rows.get(id);
  }

  remember(row: JobRow): void {
    this.rows.set(row.id, row);
  }

  forget(): void {
    this.rows.clear();
  }
}

/** What the query functions know of the transaction they run in, when it is one of a datastore's. */
export interface TransactionScope {
  readonly lockedJobs: LockedJobs;
  /** Writes whose result is not read may be deferred (deferred-writes.ts): PostgreSQL only. */
  readonly deferWrites: boolean;
}

/** `query`, marked to be deferred when the scope allows it. */
export function deferrable<Q extends { modifyEnd(modifier: Expression<unknown>): Q }>(
  query: Q,
  scope: TransactionScope | undefined,
): Q {
  return scope?.deferWrites ? query.modifyEnd(DEFERRED) : query;
}
