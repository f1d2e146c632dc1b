import type { Kysely } from 'kysely';
import { NotFoundError } from '../../errors.js';
import type { WebhookDelivery } from '../datastore.js';
import type { SqlCapabilities } from './capabilities.js';
import { webhookFromRow, webhookPatchToRow, webhookToRow } from './records.js';
import type { Database } from './tables.js';

type Db = Kysely<Database>;

/** Columns of `webhooks`; a batch insert carries this many parameters per row. */
const WEBHOOK_COLUMNS = 12;
const FINISHED_STATES = ['DELIVERED', 'FAILED'];

export async function insertWebhooks(
  db: Db,
  caps: SqlCapabilities,
  deliveries: WebhookDelivery[],
): Promise<void> {
  const rows = deliveries.map(webhookToRow);
  const perStatement = Math.max(1, Math.floor(caps.maxParameters / WEBHOOK_COLUMNS));
  for (let i = 0; i < rows.length; i += perStatement) {
    await db
      .insertInto('webhooks')
      .values(rows.slice(i, i + perStatement))
      .execute();
  }
}

/**
 * Claim the due deliveries in one statement: push their `next_attempt_at` a lease ahead and return
 * them, oldest first. The outer WHERE repeats the due condition so that, on a back end with row
 * locks, a concurrent claimer that waited for the lock re-checks it and skips what was taken.
 */
export async function claimDueWebhooks(
  db: Db,
  caps: SqlCapabilities,
  now: Date,
  limit: number,
  leaseMs: number,
): Promise<WebhookDelivery[]> {
  const nowMs = now.getTime();
  // A CTE, not `IN (subquery)`: PostgreSQL may run a LIMIT … FOR UPDATE SKIP LOCKED subquery of
  // an UPDATE more than once, claiming more than `limit` rows; a CTE with a locking clause is
  // always run once.
  const rows = await db
    .with('due', (qb) =>
      qb
        .selectFrom('webhooks')
        .select('webhooks.id')
        .where('webhooks.state', '=', 'PENDING')
        .where('webhooks.next_attempt_at', '<=', nowMs)
        .orderBy('webhooks.next_attempt_at')
        .orderBy('webhooks.created_at')
        .limit(limit)
        .$if(caps.rowLocks, (q) => q.forUpdate().skipLocked()),
    )
    .updateTable('webhooks')
    .set({ next_attempt_at: nowMs + leaseMs })
    .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
    .where('state', '=', 'PENDING')
    .where('next_attempt_at', '<=', nowMs)
    .returningAll()
    .execute();
  return rows
    .map(webhookFromRow)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
}

export async function updateWebhook(
  db: Db,
  id: string,
  patch: Parameters<typeof webhookPatchToRow>[0],
): Promise<void> {
  const row = webhookPatchToRow(patch);
  const found =
    Object.keys(row).length === 0
      ? await db.selectFrom('webhooks').select('id').where('id', '=', id).executeTakeFirst()
      : (await db.updateTable('webhooks').set(row).where('id', '=', id).executeTakeFirst()).numUpdatedRows >
        0n;
  if (!found) throw new NotFoundError('webhook not found');
}

/** Every delivery of a job, oldest first. */
export async function selectWebhooks(db: Db, jobId: string): Promise<WebhookDelivery[]> {
  const rows = await db
    .selectFrom('webhooks')
    .selectAll()
    .where('job_id', '=', jobId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(webhookFromRow);
}

/** Retention: delete at most `limit` delivered or failed deliveries created before `before`. */
export async function purgeWebhooks(db: Db, before: Date, limit: number): Promise<number> {
  const old = db
    .selectFrom('webhooks')
    .select('webhooks.id')
    .where('webhooks.created_at', '<', before.getTime())
    .where('webhooks.state', 'in', FINISHED_STATES)
    .limit(limit);
  const result = await db.deleteFrom('webhooks').where('id', 'in', old).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The finished deliveries of deleted jobs go with them; pending ones are left to the dispatcher. */
export async function deleteFinishedWebhooksOf(db: Db, jobIds: string[]): Promise<void> {
  await db
    .deleteFrom('webhooks')
    .where('job_id', 'in', jobIds)
    .where('state', 'in', FINISHED_STATES)
    .execute();
}
