import type { Insertable, Kysely } from 'kysely';
import { ReusableWrites } from './reusable-query.js';
import type { Database } from './tables.js';
import { deferrable, type TransactionScope } from './transaction-scope.js';

type Db = Kysely<Database>;

/**
 * The engine's per-task writes (a task's update, its job's, the next task's insert), compiled
 * once per shape rather than built through Kysely each time (see `ReusableWrites`). Each keeps
 * Kysely's meaning: a column whose value is undefined is left out.
 */
const writes = new ReusableWrites();

/** `update <table> set <changed> where id = <id>`, compiled once per set of changed columns. */
export async function updateById(
  db: Db,
  table: 'tasks' | 'jobs',
  id: string,
  changed: Record<string, unknown>,
  scope: TransactionScope | undefined,
): Promise<void> {
  const columns = Object.keys(changed).filter((column) => changed[column] !== undefined);
  if (columns.length === 0) return;
  const shape = `update ${table} ${columns.join(',')}${scope?.deferWrites ? ' deferred' : ''}`;
  const values = [...columns.map((column) => changed[column]), id];
  await writes.run(db, shape, values, (v) => {
    const set = Object.fromEntries(columns.map((column, i) => [column, v[i]]));
    // One of two tables: Kysely's typing cannot follow a table name chosen at run time.
    const query = db
      .updateTable(table as 'tasks')
      .set(set)
      .where('id', '=', v[columns.length] as string);
    return deferrable(query, scope);
  });
}

/** `insert into <table>` of `rows`, compiled once per row count and column list. */
export async function insertRows<T extends 'tasks'>(
  db: Db,
  table: T,
  rows: Insertable<Database[T]>[],
  scope: TransactionScope | undefined,
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!) as Array<keyof Insertable<Database[T]> & string>;
  // Rows that differ in their columns (or leave one undefined) are built as usual.
  if (!rows.every((row) => hasExactly(row, columns))) {
    await deferrable(db.insertInto(table).values(rows), scope).execute();
    return;
  }
  const shape = `insert ${table} ${rows.length} ${columns.join(',')}${scope?.deferWrites ? ' deferred' : ''}`;
  const values = rows.flatMap((row) => columns.map((column) => row[column]));
  await writes.run(db, shape, values, (v) => {
    const built = rows.map((_, r) => Object.fromEntries(columns.map((column, c) => [column, v[r * columns.length + c]])));
    return deferrable(db.insertInto(table).values(built as Insertable<Database[T]>[]), scope);
  });
}

/** `row` has exactly `columns`, in that order, none of them undefined. */
function hasExactly(row: object, columns: readonly string[]): boolean {
  const keys = Object.keys(row);
  return (
    keys.length === columns.length &&
    keys.every((key, i) => key === columns[i] && (row as Record<string, unknown>)[key] !== undefined)
  );
}
