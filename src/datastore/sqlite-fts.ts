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
