import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { FullTextSearch } from './sql/capabilities.js';
import { toFtsQuery } from './sqlite-fts.js';

/**
 * Full-text search on PostgreSQL, as Tork's schema has it (engine spec §15): a stored, generated
 * `tsvector` column on `jobs` (state weighted above name above description) and on
 * `tasks_log_parts`, each with a GIN index. User text goes through `plainto_tsquery`, which
 * treats every word as a plain word (no operators) and requires all of them.
 */
export const POSTGRES_FULL_TEXT: FullTextSearch = {
  async createSchema(db: Kysely<unknown>): Promise<void> {
    for (const statement of FTS_SCHEMA) await sql.raw(statement).execute(db);
  },
  matchJobs(terms: string): Expression<SqlBool> | undefined {
    if (!isSearchable(terms)) return undefined;
    return sql<SqlBool>`jobs.ts @@ plainto_tsquery('english', ${terms})`;
  },
  matchLogParts(terms: string): Expression<SqlBool> | undefined {
    if (!isSearchable(terms)) return undefined;
    return sql<SqlBool>`tasks_log_parts.ts @@ plainto_tsquery('english', ${terms})`;
  },
};

const FTS_SCHEMA = [
  `alter table jobs add column ts tsvector generated always as (
     setweight(to_tsvector('english', coalesce(description, '')), 'C') ||
     setweight(to_tsvector('english', coalesce(name, '')), 'B') ||
     setweight(to_tsvector('english', coalesce(state, '')), 'A')) stored`,
  `create index jobs_ts_idx on jobs using gin (ts)`,
  `alter table tasks_log_parts add column ts tsvector generated always as (
     to_tsvector('english', contents)) stored`,
  `create index tasks_log_parts_ts_idx on tasks_log_parts using gin (ts)`,
];

/**
 * Whether `terms` holds a word that is not a stop word. Text of stop words only would make
 * `plainto_tsquery` empty, which matches nothing; the contract says such text filters nothing.
 * The stop-word list is PostgreSQL's English one, shared with the SQLite flavour.
 */
function isSearchable(terms: string): boolean {
  return toFtsQuery(terms) !== undefined;
}
