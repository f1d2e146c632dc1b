import { describe, expect, it } from 'vitest';
import type { WebhookDelivery } from '../../../src/datastore/datastore.js';
import { NotFoundError } from '../../../src/errors.js';
import { newId } from '../../../src/model/ids.js';
import { at, makeJob, type DatastoreContext } from './fixtures.js';

const SECOND = 1000;
const HOUR = 3600 * SECOND;

function delivery(jobId: string, overrides: Partial<WebhookDelivery> = {}): WebhookDelivery {
  return {
    id: newId(),
    jobId,
    event: 'job.StateChange',
    url: 'http://example.com/hook',
    headers: { 'x-token': 'abc' },
    body: '{"state":"COMPLETED"}',
    attempts: 0,
    state: 'PENDING',
    nextAttemptAt: at(0),
    createdAt: at(0),
    ...overrides,
  };
}

export function describeLocksAndOutbox(ctx: DatastoreContext): void {
  describe('locks', () => {
    it('grants a lock to one claimer until its time to live has passed', async () => {
      expect(await ctx.ds.claimLock('tick:1', at(0), 10 * SECOND)).toBe(true);
      expect(await ctx.ds.claimLock('tick:1', at(5 * SECOND), 10 * SECOND)).toBe(false);
      expect(await ctx.ds.claimLock('tick:2', at(5 * SECOND), 10 * SECOND)).toBe(true);
      expect(await ctx.ds.claimLock('tick:1', at(10 * SECOND), 10 * SECOND)).toBe(true);
      expect(await ctx.ds.claimLock('tick:1', at(11 * SECOND), 10 * SECOND)).toBe(false);
    });

    it('grants a contended lock to exactly one of many simultaneous claimers', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, () => ctx.ds.claimLock('tick:x', at(0), SECOND)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });

  describe('webhook outbox', () => {
    it('returns the deliveries of a job as they were enqueued, oldest first', async () => {
      const job = makeJob();
      const second = delivery(job.id, { createdAt: at(2), lastError: 'previous', deliveredAt: at(3) });
      const first = delivery(job.id, { createdAt: at(1) });
      await ctx.ds.enqueueWebhooks([second, first, delivery('other-job')]);
      expect(await ctx.ds.getWebhooks(job.id)).toEqual([first, second]);
    });

    it('claims due pending deliveries oldest first and leases them so they are not claimed twice', async () => {
      const job = makeJob();
      const due = [1, 2, 3].map((n) => delivery(job.id, { createdAt: at(n), nextAttemptAt: at(n) }));
      const later = delivery(job.id, { nextAttemptAt: at(60 * SECOND) });
      const done = delivery(job.id, { state: 'DELIVERED' });
      await ctx.ds.enqueueWebhooks([...due, later, done]);
      const claimed = await ctx.ds.claimDueWebhooks(at(10 * SECOND), 2, 30 * SECOND);
      expect(claimed.map((d) => d.id)).toEqual([due[0]!.id, due[1]!.id]);
      expect(claimed[0]?.nextAttemptAt).toEqual(at(40 * SECOND));
      const rest = await ctx.ds.claimDueWebhooks(at(10 * SECOND), 10, 30 * SECOND);
      expect(rest.map((d) => d.id)).toEqual([due[2]!.id]);
      expect(await ctx.ds.claimDueWebhooks(at(11 * SECOND), 10, 30 * SECOND)).toEqual([]);
      const afterLease = await ctx.ds.claimDueWebhooks(at(61 * SECOND), 10, 30 * SECOND);
      expect(afterLease.map((d) => d.id).sort()).toEqual([...due.map((d) => d.id), later.id].sort());
    });

    it('hands each due delivery to only one of several simultaneous claimers', async () => {
      const deliveries = Array.from({ length: 30 }, (_, i) => delivery('job', { createdAt: at(i) }));
      await ctx.ds.enqueueWebhooks(deliveries);
      const claims = await Promise.all(
        Array.from({ length: 6 }, () => ctx.ds.claimDueWebhooks(at(SECOND), 10, 30 * SECOND)),
      );
      const ids = claims.flat().map((d) => d.id);
      expect(ids).toHaveLength(30);
      expect(new Set(ids).size).toBe(30);
    });

    it('updates the given fields of a delivery and clears those given as undefined', async () => {
      const first = delivery('job', { lastError: 'HTTP 500', attempts: 1 });
      await ctx.ds.enqueueWebhooks([first]);
      await ctx.ds.updateWebhook(first.id, {
        state: 'DELIVERED',
        attempts: 2,
        deliveredAt: at(5),
        lastError: undefined,
      });
      const [read] = await ctx.ds.getWebhooks('job');
      expect(read).toEqual({
        ...first,
        state: 'DELIVERED',
        attempts: 2,
        deliveredAt: at(5),
        lastError: undefined,
      });
      await expect(ctx.ds.updateWebhook('nope', { attempts: 1 })).rejects.toThrow(
        new NotFoundError('webhook not found'),
      );
    });

    it('drops finished deliveries with their job and with age, and keeps pending ones', async () => {
      const job = makeJob();
      await ctx.ds.createJob(job);
      const pending = delivery(job.id);
      const delivered = delivery(job.id, { state: 'DELIVERED' });
      const oldFailed = delivery('gone-job', { state: 'FAILED', createdAt: at(0) });
      const recentFailed = delivery('gone-job', { state: 'FAILED', createdAt: at(HOUR) });
      await ctx.ds.enqueueWebhooks([pending, delivered, oldFailed, recentFailed]);
      await ctx.ds.deleteJob(job.id);
      expect((await ctx.ds.getWebhooks(job.id)).map((d) => d.id)).toEqual([pending.id]);
      await ctx.ds.claimLock('old', at(0), SECOND);
      await ctx.ds.claimLock('recent', at(HOUR), SECOND);
      const deleted = await ctx.ds.purge({
        logsBefore: at(HOUR / 2),
        jobsBefore: at(HOUR / 2),
        now: at(HOUR),
        limit: 10,
      });
      expect(deleted).toBe(2);
      expect((await ctx.ds.getWebhooks('gone-job')).map((d) => d.id)).toEqual([recentFailed.id]);
      expect(await ctx.ds.claimLock('old', at(HOUR), 2 * HOUR)).toBe(true);
      expect(await ctx.ds.claimLock('recent', at(HOUR), 2 * HOUR)).toBe(false);
    });
  });
}
