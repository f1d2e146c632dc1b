import type { Kysely } from 'kysely';
import type { Node } from '../../model/node.js';
import { nodeFromRow, nodeToRow } from './records.js';
import type { Database } from './tables.js';

type Db = Kysely<Database>;

/**
 * Insert a node, or refresh its heartbeat fields. A heartbeat older than the stored one (a late
 * or redelivered message) changes nothing.
 */
export async function upsertNode(db: Db, node: Node): Promise<void> {
  const row = nodeToRow(node);
  await db
    .insertInto('nodes')
    .values(row)
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet((eb) => ({
          last_heartbeat_at: eb.ref('excluded.last_heartbeat_at'),
          cpu_percent: eb.ref('excluded.cpu_percent'),
          status: eb.ref('excluded.status'),
          task_count: eb.ref('excluded.task_count'),
        }))
        .where('nodes.last_heartbeat_at', '<=', row.last_heartbeat_at),
    )
    .execute();
}

export async function selectNode(db: Db, id: string): Promise<Node | undefined> {
  const row = await db.selectFrom('nodes').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? nodeFromRow(row) : undefined;
}

/** Nodes with a heartbeat after `since`, by name. */
export async function selectActiveNodes(db: Db, since: Date): Promise<Node[]> {
  const rows = await db
    .selectFrom('nodes')
    .selectAll()
    .where('last_heartbeat_at', '>', since.getTime())
    .orderBy('name')
    .orderBy('id')
    .execute();
  return rows.map(nodeFromRow);
}

/** How many nodes heartbeat after `since`, and their average CPU (0 when none). */
export async function nodeStats(db: Db, since: Date): Promise<{ online: number; cpuPercent: number }> {
  const row = await db
    .selectFrom('nodes')
    .select((eb) => [eb.fn.countAll().as('online'), eb.fn.avg('cpu_percent').as('cpu')])
    .where('last_heartbeat_at', '>', since.getTime())
    .executeTakeFirstOrThrow();
  return { online: Number(row.online), cpuPercent: row.cpu === null ? 0 : Number(row.cpu) };
}
