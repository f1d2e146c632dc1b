import type { Datastore } from '../datastore/datastore.js';
import type { HandlerDeps } from './deps.js';
import type { Effects } from './effects.js';
import { schedulePendingInTransaction } from './handlers/pending.js';
import { writeWebhookOutbox } from './webhooks/outbox.js';

/**
 * Run a handler's state changes in one transaction, and write the webhook deliveries those
 * changes call for into the outbox in that same transaction: a webhook is queued if and only
 * if the change it reports committed. Pending tasks that only need scheduling are scheduled in
 * it too (handlers/pending.ts), rather than each in a transaction of its own afterwards.
 * `jobId`: the job the change is about (`TransactionOptions.key`).
 */
export async function withTx<T>(
  deps: HandlerDeps,
  effects: Effects,
  fn: (tx: Datastore) => Promise<T>,
  jobId?: string,
): Promise<T> {
  let queued = 0;
  const result = await deps.ds.transaction(
    async (tx) => {
      const value = await fn(tx);
      await schedulePendingInTransaction(deps, tx, effects);
      if (effects.changes.length > 0) queued = await writeWebhookOutbox(deps, tx, effects.changes.splice(0));
      return value;
    },
    // One job's changes stay in the order asked; other jobs' may commit meanwhile.
    { key: jobId },
  );
  if (queued > 0) deps.webhooksQueued?.();
  return result;
}
