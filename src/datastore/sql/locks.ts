import type { Kysely } from 'kysely';
import type { Database } from './tables.js';

type Db = Kysely<Database>;

/**
 * Take `key` unless someone took it less than `ttlMs` before `now`. One upsert statement, so two
 * claimers can never both succeed: the conflict branch only overwrites an expired claim.
 */
export async function claimLock(db: Db, key: string, now: Date, ttlMs: number): Promise<boolean> {
  const nowMs = now.getTime();
  const result = await db
    .insertInto('locks')
    .values({ key, claimed_at: nowMs })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet({ claimed_at: nowMs })
        .where('locks.claimed_at', '<=', nowMs - ttlMs),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Retention: delete at most `limit` locks claimed before `before` (long expired). */
export async function purgeLocks(db: Db, before: Date, limit: number): Promise<number> {
  const old = db
    .selectFrom('locks')
    .select('locks.key')
    .where('locks.claimed_at', '<', before.getTime())
    .limit(limit);
  const result = await db.deleteFrom('locks').where('key', 'in', old).executeTakeFirst();
  return Number(result.numDeletedRows);
}
