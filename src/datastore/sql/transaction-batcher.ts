import { sql, type Kysely } from 'kysely';
import type { Database } from './tables.js';

export interface TransactionBatcherOptions {
  /**
   * Most bodies one transaction carries. Each after the first opens a savepoint, and PostgreSQL
   * slows every snapshot once a transaction holds more than 64 subtransactions.
   * @default 32
   */
  maxBatch?: number;
  /**
   * Run after each body as part of it (its failure is the body's), unless the body is the first
   * and no other waits: then the commit comes next, and a failure there is that body's alone.
   * The datastore sends the body's deferred writes here (deferred-writes.ts): sent later, a
   * failing one would fail the body after it, or the commit of all.
   */
  afterBody?: (db: Kysely<Database>) => Promise<void>;
  /**
   * Start the transaction of a body asked for while none runs at the end of the event loop's
   * current turn (`setImmediate`) rather than at once, so that the bodies asked for by the other
   * I/O callbacks of that turn share its commit. For a synchronous driver (better-sqlite3): there a
   * transaction runs from `begin` to `commit` without ever waiting for I/O, so no other body can
   * join it, and every body would pay a commit of its own. Costs a lone body one turn of the loop.
   * @default false
   */
  startNextTurn?: boolean;
}

interface Queued {
  fn: (db: Kysely<Database>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

const SAVEPOINT = sql.raw('savepoint drover_batch_item');
const ROLLBACK_TO_SAVEPOINT = sql.raw('rollback to savepoint drover_batch_item');

/**
 * Group commit: the transactions asked for while one is running share the next one.
 *
 * Why: the commit is most of what a small transaction costs (a WAL write on SQLite, a round
 * trip and a flush on PostgreSQL), and the coordinator runs two or three of them per task. Under
 * load, bodies queue up while a transaction runs; carrying all of them in one transaction turns
 * N commits into one, while a lone body still commits at once: nothing waits for a batch to fill
 * (at most the end of the event loop's turn, with `startNextTurn`).
 *
 * Each body keeps its own all-or-nothing outcome: every body after the first runs under a
 * savepoint, and one that throws is rolled back to it and rejected with its error while the
 * others go on. A body resolves only once the transaction carrying it has committed, so a caller
 * never acts on (or publishes) a change that may still roll back; if the commit fails, every body
 * it carried is rejected with that error. The bodies run one after another, in the order asked,
 * and each sees what the ones before it wrote, as if each had committed on its own.
 *
 * One batch runs at a time: the bodies of a batch take their row locks one after another, and two
 * batches on two connections could each wait for a lock the other holds until its commit.
 */
export class TransactionBatcher {
  private readonly queue: Queued[] = [];
  private draining = false;
  private readonly maxBatch: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: TransactionBatcherOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 32);
  }

  /** Run `fn` in a transaction, possibly shared with others; resolves after the commit. */
  run<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (this.draining) return;
      // Marked at once: the bodies asked for before the turn ends wait for this drain.
      this.draining = true;
      if (this.options.startNextTurn) setImmediate(() => void this.drain());
      else void this.drain();
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.runBatch();
    } finally {
      this.draining = false;
    }
  }

  private async runBatch(): Promise<void> {
    const done: Array<{ item: Queued; value: unknown }> = [];
    let firstFailed: { item: Queued; err: unknown } | undefined;
    try {
      await this.db.transaction().execute(async (trx) => {
        for (let n = 0; n < this.maxBatch; n++) {
          const item = this.queue.shift();
          if (!item) return;
          if (n === 0) {
            // Alone so far: if it fails, rolling back the whole transaction loses nothing else.
            try {
              done.push({ item, value: await this.runBody(item, trx, n) });
            } catch (err) {
              firstFailed = { item, err };
              throw err;
            }
            continue;
          }
          try {
            await SAVEPOINT.execute(trx);
          } catch (err) {
            // It never ran: it goes first into the next batch, and this one fails as a whole.
            this.queue.unshift(item);
            throw err;
          }
          try {
            done.push({ item, value: await this.runBody(item, trx, n) });
          } catch (err) {
            try {
              await ROLLBACK_TO_SAVEPOINT.execute(trx);
            } finally {
              // Rolled back to its savepoint, or with the whole batch when that failed.
              item.reject(err);
            }
          }
        }
      });
    } catch (err) {
      if (firstFailed) firstFailed.item.reject(firstFailed.err);
      else for (const { item } of done) item.reject(err);
      return;
    }
    for (const { item, value } of done) item.resolve(value);
  }

  /** Body number `n` of the batch, with what `afterBody` adds unless it is the first and alone. */
  private async runBody(item: Queued, trx: Kysely<Database>, n: number): Promise<unknown> {
    const value = await item.fn(trx);
    if (n > 0 || this.queue.length > 0) await this.options.afterBody?.(trx);
    return value;
  }
}
