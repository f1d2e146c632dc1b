import { sql, type RawBuilder } from 'kysely';

/**
 * Writes a transaction may send later, several in one statement (PostgreSQL).
 *
 * Why: a task's completion writes three rows (the task, its job, the next task) after reading
 * them under lock, and every statement is a round trip: a socket write and a wake-up on each
 * side, which on the coordinator's hot path cost more than the statements themselves. A write
 * whose result nobody reads (an update of a row the transaction already holds locked, an insert)
 * is marked with `DEFERRED`; the connection (postgres-pool.ts) keeps it and sends the writes
 * kept so far as one statement, `with w0 as (…), w1 as (…) <last>`, right before the next
 * statement of any kind on that connection, and `FLUSH` sends them without another statement.
 * A `rollback` drops them instead. What the transaction reads is therefore what it wrote, in
 * order, as if each write had been sent at once; only an error of a write arrives later, with
 * the next statement.
 *
 * One statement's parts see the same snapshot, so two parts must never touch the same row:
 * an update is sent ahead of the others when one of them writes its table (`combinable`).
 */
export const DEFERRED_MARK = '/* drover:deferred */';
export const FLUSH_MARK = '/* drover:flush */';

/** Appended to a write (`.modifyEnd(DEFERRED)`) whose result the caller does not read. */
export const DEFERRED: RawBuilder<unknown> = sql.raw(DEFERRED_MARK);
/** A statement that only sends the writes kept so far (run at the end of each transaction body). */
export const FLUSH: RawBuilder<unknown> = sql.raw(FLUSH_MARK);

export interface Write {
  text: string;
  values: readonly unknown[];
}

/** `insert into "t"` / `update "t"` as Kysely writes them: the statement and its table. */
const WRITE_HEAD = /^(insert into|update) ((?:"[^"]+"\.)?"[^"]+")/;

/** What a write is, or undefined for a statement that cannot be deferred. */
export function writeTarget(text: string): { kind: 'insert' | 'update'; table: string } | undefined {
  const match = WRITE_HEAD.exec(text);
  if (!match) return undefined;
  return { kind: match[1] === 'update' ? 'update' : 'insert', table: match[2]! };
}

/**
 * Whether `next` may join `pending` in one statement. An update could hit a row that a pending
 * write inserts or updates, which it would not see: it waits for them when any writes its table.
 * Inserts only add rows, which no other part of the statement reads.
 */
export function combinable(pending: readonly Write[], next: Write): boolean {
  const target = writeTarget(next.text);
  if (!target) return false;
  if (target.kind === 'insert') return true;
  return pending.every((write) => writeTarget(write.text)?.table !== target.table);
}

/**
 * One statement for `writes`: the first ones as data-modifying `with` parts, the last as the
 * statement itself, each one's `$n` parameters renumbered after those of the parts before it.
 * Kysely writes every value as a parameter and quotes every identifier, so a `$` followed by
 * digits in its text is always a parameter.
 */
export function combineWrites(writes: readonly Write[]): Write {
  if (writes.length === 1) return writes[0]!;
  const values: unknown[] = [];
  const texts = writes.map((write) => {
    const offset = values.length;
    values.push(...write.values);
    return offset === 0 ? write.text : write.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
  });
  const last = texts.pop()!;
  return { text: `with ${texts.map((text, i) => `w${i} as (${text})`).join(', ')} ${last}`, values };
}
