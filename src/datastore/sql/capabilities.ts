import type { Expression, Kysely, SqlBool } from 'kysely';
import type { Database } from './tables.js';

/**
 * What differs between the SQL back ends, in one place. The query layer (`sql/*.ts`) asks this
 * object instead of testing which dialect it runs on, so a new back end is one new object.
 *
 * - SQLite: no row locks (a transaction starts with `BEGIN IMMEDIATE`, which serialises writers),
 *   FTS5 external-content tables kept in step by triggers.
 * - PostgreSQL: `SELECT … FOR UPDATE`, a generated `tsvector` column with a GIN index.
 */
export interface SqlCapabilities {
  /** Back-end name for logs and errors (`sqlite`, `postgres`). */
  readonly name: string;
  /** `SELECT … FOR UPDATE` takes row locks. Without it the back end must serialise writers. */
  readonly rowLocks: boolean;
  /**
   * Transactions may defer writes and send several as one statement (sql/deferred-writes.ts);
   * the connection must implement the markers. Worth it where every statement is a round trip.
   */
  readonly deferredWrites?: boolean;
  /**
   * How many transactions of different keys may run at once (`TransactionOptions.key`), each
   * lane with a group commit of its own. Only for back ends with row locks. @default 1
   */
  readonly transactionLanes?: number;
  /**
   * The driver runs a statement without waiting for I/O (better-sqlite3): a transaction then
   * starts at the end of the event loop's turn, so that others asked for in that turn share its
   * commit (`TransactionBatcherOptions.startNextTurn`).
   */
  readonly synchronousDriver?: boolean;
  /** Most bound parameters one statement may carry (batch inserts are chunked to fit). */
  readonly maxParameters: number;
  /** Column type of the auto-increment `seq` key that full-text indexes point at. */
  readonly serialType: 'integer' | 'bigserial';
  readonly fullText: FullTextSearch;
  /** `Datastore.changeToken` on `db`, for back ends that can tell. Optional. */
  changeToken?(db: Kysely<Database>): Promise<string>;
  /** Whether `err` is a unique-constraint violation (turned into a user-facing message). */
  isUniqueViolation(err: unknown): boolean;
}

/** The full-text flavour: the schema it needs and the match conditions the queries use. */
export interface FullTextSearch {
  /** Create the search structures over `jobs` (name, description, state) and `tasks_log_parts` (contents). */
  createSchema(db: Kysely<unknown>): Promise<void>;
  /**
   * A condition on a row of `jobs` (the table must be in scope under its own name): all `terms`
   * must match. `terms` is the user's text, not yet escaped. Returns undefined when no term is
   * searchable (only stop words or punctuation): the caller then applies no text filter.
   */
  matchJobs(terms: string): Expression<SqlBool> | undefined;
  /**
   * How many jobs match `terms`, counted in the full-text index alone, for back ends where that
   * is much faster than counting the filtered `jobs` (valid when the text is the only filter).
   * Optional: without it the filtered query is counted.
   */
  countJobMatches?(db: Kysely<Database>, terms: string): Promise<number>;
  /**
   * `matchJobs` shaped for a search with many matches: the query then walks `jobs` newest first
   * and tests each row, instead of gathering every match and sorting them all. Optional.
   */
  matchManyJobs?(terms: string): Expression<SqlBool> | undefined;
  /**
   * Optional, with `newestJobMatches`: the structures it needs, over jobs already stored
   * (migration `0003_jobs_creation_order`).
   */
  createCreationOrderSchema?(db: Kysely<unknown>): Promise<void>;
  /**
   * The `seq`s of one page of the jobs that match `terms`, newest first (by `created_at`, then
   * `seq`): the rows `offset` to `offset + limit`. For a back end that can find them from the
   * newest matches alone, without looking at every match. Returns undefined when it cannot
   * (the caller then runs the general query). Optional.
   */
  newestJobMatches?(db: Kysely<Database>, terms: string, offset: number, limit: number): Promise<number[] | undefined>;
  /**
   * The `seq`s of the first `limit` jobs matching `terms`, newest first, among those stored
   * before `beforeSeq` (all when undefined), for a back end where that order is the index's own
   * (SQLite while jobs were created in the order they were stored). Undefined when it is not.
   * Optional.
   */
  newestJobMatchesBefore?(
    db: Kysely<Database>,
    terms: string,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<number[] | undefined>;
  /** The same for a row of `tasks_log_parts` (in scope under its own name), over `contents`. */
  matchLogParts(terms: string): Expression<SqlBool> | undefined;
}
