import type { Compilable, CompiledQuery, DialectAdapter, Kysely, KyselyPlugin } from 'kysely';
import type { Database } from './tables.js';

type Db = Kysely<Database>;

interface Entry<Row> {
  plugins: readonly KyselyPlugin[];
  compiled: CompiledQuery<Row>;
  argIndexes: number[];
}

function samePlugins(a: readonly KyselyPlugin[], b: readonly KyselyPlugin[]): boolean {
  return a.length === b.length && a.every((plugin, i) => plugin === b[i]);
}

/**
 * A query built and compiled once per database, then run again with other parameter
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
  // What the compiled text depends on: the dialect (one adapter per database instance, shared by
  // its transactions, which are new Kysely instances each) and the plugins it compiles through.
  // Keying by the adapter rather than the instance keeps the compiled query across transactions.
  const compiledBy = new WeakMap<DialectAdapter, Array<Entry<Row>>>();

  return async (db, ...args) => {
    const executor = db.getExecutor();
    let entries = compiledBy.get(executor.adapter);
    if (!entries) compiledBy.set(executor.adapter, (entries = []));
    let entry = entries.find((e) => samePlugins(e.plugins, executor.plugins));
    if (!entry) {
      const compiled = build(db, ...(standIns as unknown as Args)).compile();
      const argIndexes = compiled.parameters.map((p) => standIns.indexOf(p as string));
      const missing = standIns.findIndex((_, i) => !argIndexes.includes(i));
      if (missing >= 0) throw new Error(`reusableQuery: argument ${missing} is not a parameter of ${compiled.sql}`);
      entry = { plugins: [...executor.plugins], compiled, argIndexes };
      entries.push(entry);
    }
    const { compiled, argIndexes } = entry;
    const parameters = compiled.parameters.map((p, i) => (argIndexes[i]! >= 0 ? args[argIndexes[i]!] : p));
    const result = await db.executeQuery<Row>({ ...compiled, parameters });
    return result.rows;
  };
}
