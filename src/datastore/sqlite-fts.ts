import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { FullTextSearch } from './sql/capabilities.js';
import type { Database } from './sql/tables.js';

/**
 * Full-text search on SQLite: FTS5 external-content tables over `jobs` and `tasks_log_parts`
 * (they index the rows without copying them), kept in step by triggers. Rows are linked by the
 * tables' `seq` (an INTEGER PRIMARY KEY, so VACUUM keeps it). The `porter` tokenizer gives the
 * English stemming PostgreSQL's `english` configuration has (`running` matches `RUNNING`).
 */
export const SQLITE_FULL_TEXT: FullTextSearch = {
  async createSchema(db: Kysely<unknown>): Promise<void> {
    for (const statement of FTS_SCHEMA) await sql.raw(statement).execute(db);
  },
  matchJobs(terms: string): Expression<SqlBool> | undefined {
    const query = toFtsQuery(terms);
    if (query === undefined) return undefined;
    return sql<SqlBool>`jobs.seq in (select rowid from jobs_fts where jobs_fts match ${query})`;
  },
  async countJobMatches(db: Kysely<Database>, terms: string): Promise<number> {
    const query = toFtsQuery(terms);
    if (query === undefined) return 0;
    // Every row of the external-content index is a job (the triggers keep them in step).
    const { rows } = await sql<{ n: number }>`select count(*) as n from jobs_fts where jobs_fts match ${query}`.execute(db);
    return Number(rows[0]?.n ?? 0);
  },
  matchManyJobs(terms: string): Expression<SqlBool> | undefined {
    const query = toFtsQuery(terms);
    if (query === undefined) return undefined;
    // The unary `+` keeps SQLite from looking jobs up by the matching rowids (then sorting them
    // all): it walks `jobs_created_at_idx` newest first and tests each row against the matches.
    return sql<SqlBool>`+jobs.seq in (select rowid from jobs_fts where jobs_fts match ${query})`;
  },
  async createCreationOrderSchema(db: Kysely<unknown>): Promise<void> {
    for (const statement of CREATION_ORDER_SCHEMA) await sql.raw(statement).execute(db);
  },
  newestJobMatches,
  newestJobMatchesBefore,
  matchLogParts(terms: string): Expression<SqlBool> | undefined {
    const query = toFtsQuery(terms);
    if (query === undefined) return undefined;
    return sql<SqlBool>`tasks_log_parts.seq in (select rowid from logs_fts where logs_fts match ${query})`;
  },
};

const FTS_SCHEMA = [
  `create virtual table jobs_fts using fts5(
     name, description, state, content='jobs', content_rowid='seq', tokenize='porter unicode61')`,
  `create trigger jobs_fts_insert after insert on jobs begin
     insert into jobs_fts(rowid, name, description, state) values (new.seq, new.name, new.description, new.state);
   end`,
  `create trigger jobs_fts_delete after delete on jobs begin
     insert into jobs_fts(jobs_fts, rowid, name, description, state)
       values ('delete', old.seq, old.name, old.description, old.state);
   end`,
  // Job updates are frequent (position, progress) and rarely touch the indexed text: skip those.
  `create trigger jobs_fts_update after update on jobs
     when old.name is not new.name or old.description is not new.description or old.state is not new.state
   begin
     insert into jobs_fts(jobs_fts, rowid, name, description, state)
       values ('delete', old.seq, old.name, old.description, old.state);
     insert into jobs_fts(rowid, name, description, state) values (new.seq, new.name, new.description, new.state);
   end`,
  `create virtual table logs_fts using fts5(
     contents, content='tasks_log_parts', content_rowid='seq', tokenize='porter unicode61')`,
  `create trigger logs_fts_insert after insert on tasks_log_parts begin
     insert into logs_fts(rowid, contents) values (new.seq, new.contents);
   end`,
  `create trigger logs_fts_delete after delete on tasks_log_parts begin
     insert into logs_fts(logs_fts, rowid, contents) values ('delete', old.seq, old.contents);
   end`,
];

/**
 * How far, in ms, a job's `created_at` may fall behind that of a job stored before it (a lower
 * `seq`): 0 while the clock has only gone forward, as it does when jobs are created live; null
 * when unknown (a row inserted between others, or an update of `created_at` or `seq`, which
 * Drover never does). Kept by triggers, so every writer keeps it true. With it, the newest
 * matches of a search are found among the highest `seq`s, which the text index lists in order.
 */
const CREATION_ORDER_SCHEMA = [
  `create table jobs_creation_order (id integer primary key check (id = 1), slack integer)`,
  // Over the jobs already stored: the most any job falls behind the latest before it.
  `insert into jobs_creation_order (id, slack)
     select 1, max(0, coalesce(max(behind), 0)) from (
       select max(created_at) over (order by seq rows between unbounded preceding and 1 preceding) - created_at
         as behind
       from jobs)`,
  // The usual insert, with the highest seq: compare with the latest creation time (an index seek).
  `create trigger jobs_creation_order_append after insert on jobs
     when new.created_at < (select max(created_at) from jobs)
      and not exists (select 1 from jobs where seq > new.seq)
   begin
     update jobs_creation_order set slack = max(slack, (select max(created_at) from jobs) - new.created_at)
       where slack is not null;
   end`,
  // A row inserted below others keeps the order only if it sits between its neighbours' times.
  `create trigger jobs_creation_order_insert after insert on jobs
     when exists (select 1 from jobs where seq > new.seq)
      and not (
        (select slack from jobs_creation_order) = 0
        and coalesce((select created_at from jobs where seq < new.seq order by seq desc limit 1), new.created_at)
          <= new.created_at
        and (select created_at from jobs where seq > new.seq order by seq limit 1) >= new.created_at)
   begin
     update jobs_creation_order set slack = null;
   end`,
  `create trigger jobs_creation_order_update after update of created_at, seq on jobs
     when old.created_at is not new.created_at or old.seq is not new.seq
   begin
     update jobs_creation_order set slack = null;
   end`,
];

/** Deeper pages than this go to the general query: the candidates would no longer be few. */
const NEWEST_MATCHES_MAX = 10_000;
/**
 * Jobs stored earlier yet created within `slack` of the newest matches, tested one by one against
 * the text: past this many, the general query is cheaper.
 */
const NEAR_ROWS_MAX = 500;

/**
 * One page of the jobs matching `terms`, newest first, from the newest matches in the text index.
 * Let W be the `offset + limit` matches with the highest `seq` (the index lists them in rowid
 * order and stops there) and C the oldest creation time among them. A match outside W has a lower
 * `seq` than every row of W, so it was created at most `slack` after C; to rank in the page it
 * must also be created after C, since W alone fills the page's depth with jobs created at C or
 * later (and on a tie at C, the lower `seq` ranks lower). So the page is among W and the matches
 * created between C and C + slack below W, which are none when slack is 0.
 */
async function newestJobMatches(
  db: Kysely<Database>,
  terms: string,
  offset: number,
  limit: number,
): Promise<number[] | undefined> {
  const query = toFtsQuery(terms);
  const depth = offset + limit;
  if (query === undefined || depth > NEWEST_MATCHES_MAX) return undefined;
  const slack = await creationOrderSlack(db);
  if (slack === undefined) return undefined;
  const candidates = await matchesBySeqDesc(db, query, undefined, depth);
  if (slack > 0 && candidates.length === depth) {
    const near = await nearMatches(db, query, candidates, slack);
    if (near === undefined) return undefined;
    candidates.push(...near);
  }
  const page = await sql<{ seq: number }>`
    select seq from jobs where seq in (select value from json_each(${JSON.stringify(candidates)}))
    order by created_at desc, seq desc limit ${limit} offset ${offset}`.execute(db);
  return page.rows.map((row) => row.seq);
}

/** The creation-order slack, or undefined when it is unknown. */
async function creationOrderSlack(db: Kysely<Database>): Promise<number | undefined> {
  const order = await sql<{ slack: number | null }>`select slack from jobs_creation_order`.execute(db);
  return order.rows[0]?.slack ?? undefined;
}

/**
 * With slack 0, `created_at` never decreases as `seq` grows, so newest first (by `created_at`,
 * then `seq`) is `seq` descending, and the jobs after a cursor are those of a lower `seq`: the
 * text index lists them in that order, from the cursor on, and stops at `limit`.
 */
async function newestJobMatchesBefore(
  db: Kysely<Database>,
  terms: string,
  beforeSeq: number | undefined,
  limit: number,
): Promise<number[] | undefined> {
  const query = toFtsQuery(terms);
  if (query === undefined || (await creationOrderSlack(db)) !== 0) return undefined;
  return matchesBySeqDesc(db, query, beforeSeq, limit);
}

/**
 * The first `limit` matches of an FTS query below `beforeSeq` (all when undefined), highest `seq`
 * first: FTS5 walks its index in rowid order and stops there, sorting nothing.
 */
async function matchesBySeqDesc(
  db: Kysely<Database>,
  query: string,
  beforeSeq: number | undefined,
  limit: number,
): Promise<number[]> {
  const before = beforeSeq === undefined ? sql`` : sql`and rowid < ${beforeSeq}`;
  const rows = await sql<{ seq: number }>`
    select rowid as seq from jobs_fts where jobs_fts match ${query} ${before}
    order by rowid desc limit ${limit}`.execute(db);
  return rows.rows.map((row) => row.seq);
}

/**
 * The matches below the lowest `seq` of `newest` (highest first) created within `slack` after the
 * oldest of them, or undefined when there are too many such jobs to test one by one.
 */
async function nearMatches(
  db: Kysely<Database>,
  query: string,
  newest: number[],
  slack: number,
): Promise<number[] | undefined> {
  const list = JSON.stringify(newest);
  const oldest = await sql<{ createdAt: number }>`
    select min(created_at) as createdAt from jobs where seq in (select value from json_each(${list}))`.execute(db);
  const since = Number(oldest.rows[0]!.createdAt);
  const lowest = newest[newest.length - 1]!;
  const near = await sql<{ seq: number }>`
    select seq from jobs where created_at >= ${since} and created_at <= ${since + slack} and seq < ${lowest}
    limit ${NEAR_ROWS_MAX + 1}`.execute(db);
  if (near.rows.length > NEAR_ROWS_MAX) return undefined;
  if (near.rows.length === 0) return [];
  const matching = await sql<{ seq: number }>`
    select rowid as seq from jobs_fts where jobs_fts match ${query}
      and rowid in (select value from json_each(${JSON.stringify(near.rows.map((row) => row.seq))}))`.execute(db);
  return matching.rows.map((row) => row.seq);
}

/**
 * PostgreSQL's English stop words (`plainto_tsquery` drops them): FTS5 would otherwise require
 * them in the text.
 */
const STOP_WORDS = new Set(
  (
    'i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her ' +
    'hers herself it its itself they them their theirs themselves what which who whom this that these ' +
    'those am is are was were be been being have has had having do does did doing a an the and but if or ' +
    'because as until while of at by for with about against between into through during before after ' +
    'above below to from up down in out on off over under again further then once here there when where ' +
    'why how all any both each few more most other some such no nor not only own same so than too very ' +
    's t can will just don should now'
  ).split(' '),
);

/**
 * Turn the user's words into an FTS5 query where every word must match. Each word is quoted, so
 * FTS5 operators (`OR`, `NEAR`, `*`, `:`…) in user text are searched for, never interpreted.
 */
export function toFtsQuery(terms: string): string | undefined {
  const words = terms
    .toLowerCase()
    .split(/\s+/)
    .map((word) => word.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''))
    .filter((word) => word !== '' && !STOP_WORDS.has(word));
  if (words.length === 0) return undefined;
  return words.map((word) => `"${word.replaceAll('"', '""')}"`).join(' ');
}
