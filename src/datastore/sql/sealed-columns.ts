/**
 * Secrets at rest, applied in one place for every query: a Kysely plugin that seals the columns
 * named in `SEALED_COLUMNS` (records.ts) as they are written, and opens sealed values as rows are
 * read. The query functions and the row mapping only ever see clear values, so a query added
 * later cannot forget to encrypt, and the change detection of updates compares clear values
 * (a random nonce per write would otherwise make every sealed column look changed).
 *
 * Without a key the plugin seals nothing; it still refuses to hand out a sealed JSON column as if
 * it were clear, so a datastore written with a key and opened without one fails with a message
 * that says what is missing instead of a JSON parse error.
 */
import {
  AliasNode,
  ColumnNode,
  ColumnUpdateNode,
  TableNode,
  PrimitiveValueListNode,
  ValueListNode,
  ValueNode,
  ValuesNode,
  type KyselyPlugin,
  type OperationNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import { looksSealed, type SecretCipher } from './cipher.js';
import { SEALED_COLUMNS, type SealedKind } from './records.js';

type SealedTable = keyof typeof SEALED_COLUMNS;

/** Column names whose clear form is JSON, across the sealed tables (for read-side errors). */
const JSON_COLUMNS = new Set(
  Object.values(SEALED_COLUMNS).flatMap((columns) =>
    Object.entries(columns)
      .filter(([, kind]) => kind === 'json')
      .map(([name]) => name),
  ),
);

export class SealedColumnsPlugin implements KyselyPlugin {
  /** @param cipher undefined when no key is configured: nothing is sealed, sealed JSON is refused. */
  constructor(private readonly cipher: SecretCipher | undefined) {}

  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    if (!this.cipher) return node;
    if (node.kind === 'InsertQueryNode') {
      const columns = sealedColumnsOf(node.into);
      if (!columns) return node;
      const names = (node.columns ?? []).map((c) => c.column.name);
      const values = node.values && this.sealValues(node.values, names, columns);
      const onConflict = node.onConflict?.updates
        ? { ...node.onConflict, updates: this.sealUpdates(node.onConflict.updates, columns) }
        : node.onConflict;
      return Object.freeze({ ...node, values, onConflict });
    }
    if (node.kind === 'UpdateQueryNode') {
      const columns = sealedColumnsOf(node.table);
      if (!columns || !node.updates) return node;
      return Object.freeze({ ...node, updates: this.sealUpdates(node.updates, columns) });
    }
    return node;
  }

  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const rows = result.rows;
    for (let i = 0; i < rows.length; i++) {
      const opened = this.openRow(rows[i]!);
      if (opened) (rows as UnknownRow[])[i] = opened;
    }
    return result;
  }

  private sealValues(values: OperationNode, names: string[], columns: SealedColumns): OperationNode {
    if (values.kind !== 'ValuesNode') return values;
    const items = (values as ValuesNode).values.map((item) => {
      if (item.kind === 'PrimitiveValueListNode') {
        return PrimitiveValueListNode.create(
          item.values.map((v, i) => this.sealIf(columns[names[i] ?? ''], v)),
        );
      }
      return ValueListNode.create(
        item.values.map((v, i) => {
          const kind = columns[names[i] ?? ''];
          return kind && v.kind === 'ValueNode'
            ? ValueNode.create(this.sealIf(kind, (v as ValueNode).value))
            : v;
        }),
      );
    });
    return ValuesNode.create(items);
  }

  private sealUpdates(updates: readonly ColumnUpdateNode[], columns: SealedColumns): ColumnUpdateNode[] {
    return updates.map((update) => {
      const name = ColumnNode.is(update.column) ? update.column.column.name : undefined;
      const kind = name === undefined ? undefined : columns[name];
      if (!kind || update.value.kind !== 'ValueNode') return update;
      return ColumnUpdateNode.create(
        update.column,
        ValueNode.create(this.sealIf(kind, (update.value as ValueNode).value)),
      );
    });
  }

  private sealIf(kind: SealedKind | undefined, value: unknown): unknown {
    if (!kind || typeof value !== 'string') return value;
    // Already sealed under this key (a row copied as read from the store): keep it.
    if (looksSealed(value) && this.cipher!.open(value) !== undefined) return value;
    return this.cipher!.seal(value);
  }

  /** A copy of `row` with its sealed values opened, or undefined when nothing was sealed. */
  private openRow(row: UnknownRow): UnknownRow | undefined {
    let copy: UnknownRow | undefined;
    for (const [name, value] of Object.entries(row)) {
      if (typeof value !== 'string' || !looksSealed(value)) continue;
      const clear = this.cipher?.open(value);
      if (clear === undefined) {
        // Free-text columns may hold a clear value that merely starts like a sealed one.
        if (!JSON_COLUMNS.has(unprefixed(name))) continue;
        throw new Error(
          this.cipher
            ? `column ${name} holds a value sealed under another key: check datastore.encryption.key`
            : `column ${name} holds encrypted data: set datastore.encryption.key to read it`,
        );
      }
      copy ??= { ...row };
      copy[name] = clear;
    }
    return copy;
  }
}

/** A column as a query may return it under a prefix (`j__secrets`: tasks.ts reads a job's beside its task's). */
function unprefixed(name: string): string {
  const at = name.lastIndexOf('__');
  return at < 0 ? name : name.slice(at + 2);
}

type SealedColumns = Readonly<Record<string, SealedKind | undefined>>;

/** The sealed columns of the table a statement writes, if it is one of `SEALED_COLUMNS`. */
function sealedColumnsOf(table: OperationNode | undefined): SealedColumns | undefined {
  const node = table && AliasNode.is(table) ? table.node : table;
  if (!node || !TableNode.is(node)) return undefined;
  const name = node.table.identifier.name;
  return Object.hasOwn(SEALED_COLUMNS, name) ? SEALED_COLUMNS[name as SealedTable] : undefined;
}
