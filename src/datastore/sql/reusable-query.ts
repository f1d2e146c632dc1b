import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Database } from './tables.js';

type Db = Kysely<Database>;

/**
 * A query built and compiled once per Kysely instance, then run again with other parameter
 * values. Building and compiling a Kysely query costs several times more than running a small
 * one on SQLite (it was most of the CPU of `GET /jobs/{id}`), so the hottest reads skip it.
 *
 * Only for queries whose shape never depends on the values: `build` receives stand-ins, and
 * every stand-in must reach the compiled parameters unchanged (checked on first use). Plugins
 * still apply: the query is compiled through `db`, and results pass its plugins as usual.
 */
export function reusableQuery<Args extends readonly string[], Row>(
  arity: Args['length'],
  build: (db: Db, ...args: Args) => Compilable<Row>,
): (db: Db, ...args: Args) => Promise<Row[]> {
  const standIns = Array.from({ length: arity }, (_, i) => `\u0000reusable-query-arg-${i}\u0000`);
  // Keyed by instance: each back end writes its own SQL, and a transaction's Kysely is dropped
  // (with its entry) when the transaction ends.
  const compiledBy = new WeakMap<Db, { compiled: CompiledQuery<Row>; argIndexes: number[] }>();

  return async (db, ...args) => {
    let entry = compiledBy.get(db);
    if (!entry) {
      const compiled = build(db, ...(standIns as unknown as Args)).compile();
      const argIndexes = compiled.parameters.map((p) => standIns.indexOf(p as string));
      const missing = standIns.findIndex((_, i) => !argIndexes.includes(i));
      if (missing >= 0) throw new Error(`reusableQuery: argument ${missing} is not a parameter of ${compiled.sql}`);
      entry = { compiled, argIndexes };
      compiledBy.set(db, entry);
    }
    const { compiled, argIndexes } = entry;
    const parameters = compiled.parameters.map((p, i) => (argIndexes[i]! >= 0 ? args[argIndexes[i]!] : p));
    const result = await db.executeQuery<Row>({ ...compiled, parameters });
    return result.rows;
  };
}
