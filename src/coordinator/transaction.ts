import type { Datastore } from '../datastore/datastore.js';
import type { HandlerDeps } from './deps.js';
import type { Effects } from './effects.js';
import { writeWebhookOutbox } from './webhooks/outbox.js';

/**
 * Run a handler's state changes in one transaction, and write the webhook deliveries those
 * changes call for into the outbox in that same transaction: a webhook is queued if and only
 * if the change it reports committed.
 */
export async function withTx<T>(deps: HandlerDeps, effects: Effects, fn: (tx: Datastore) => Promise<T>): Promise<T> {
  return deps.ds.transaction(async (tx) => {
    const result = await fn(tx);
    if (effects.changes.length > 0) await writeWebhookOutbox(deps, tx, effects.changes.splice(0));
    return result;
  });
}
