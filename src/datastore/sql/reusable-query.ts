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

const MAX_WRITE_SHAPES = 256;

interface WriteEntry {
  plugins: readonly KyselyPlugin[];
  /** Undefined when a plugin changed the stand-ins (a sealed column): built anew every time. */
  compiled: CompiledQuery<unknown> | undefined;
  argIndexes: number[];
}

/**
 * Writes whose SQL depends only on their shape (the table, the columns set, how many rows),
 * compiled once per shape and database, then run with other values. The hot writes of the
 * engine (a task's update, its job's, the next task's insert) vary in their columns, so
 * `reusableQuery` does not fit them; building and compiling each through Kysely was a tenth of
 * the CPU a no-op task cost on SQLite.
 *
 * `build(values)` builds the write from its values, in the order `values` lists them; it is
 * called with stand-ins to compile the shape. When a plugin transforms a value (the sealed
 * columns when an encryption key is set) the stand-ins do not come through: that shape is then
 * built from its real values every time, as without this cache.
 */
export class ReusableWrites {
  private readonly compiledBy = new WeakMap<DialectAdapter, Map<string, WriteEntry[]>>();

  async run(db: Db, shape: string, values: readonly unknown[], build: (values: readonly unknown[]) => Compilable<unknown>): Promise<void> {
    const entry = this.entry(db, shape, values.length, build);
    if (!entry?.compiled) {
      await db.executeQuery(build(values).compile());
      return;
    }
    const { compiled, argIndexes } = entry;
    await db.executeQuery({ ...compiled, parameters: argIndexes.map((i) => values[i]) });
  }

  private entry(
    db: Db,
    shape: string,
    arity: number,
    build: (values: readonly unknown[]) => Compilable<unknown>,
  ): WriteEntry | undefined {
    const executor = db.getExecutor();
    let shapes = this.compiledBy.get(executor.adapter);
    if (!shapes) this.compiledBy.set(executor.adapter, (shapes = new Map()));
    let entries = shapes.get(shape);
    if (!entries) {
      // The hot shapes are few and come first; a rare one past the bound is built each time.
      if (shapes.size >= MAX_WRITE_SHAPES) return undefined;
      shapes.set(shape, (entries = []));
    }
    let entry = entries.find((e) => samePlugins(e.plugins, executor.plugins));
    if (!entry) {
      const standIns = Array.from({ length: arity }, (_, i) => `\u0000reusable-write-${i}\u0000`);
      const compiled = build(standIns).compile();
      const argIndexes = compiled.parameters.map((p) => standIns.indexOf(p as string));
      // Every parameter a stand-in, and every stand-in a parameter exactly once.
      const intact =
        argIndexes.every((i) => i >= 0) && new Set(argIndexes).size === arity && argIndexes.length === arity;
      entry = { plugins: [...executor.plugins], compiled: intact ? compiled : undefined, argIndexes };
      entries.push(entry);
    }
    return entry;
  }
}
