import { describe, expect, it } from 'vitest';
import type { Datastore } from '../../src/datastore/datastore.js';
import { describeJobs } from '../datastore/contract/jobs.js';
import { describeLogs } from '../datastore/contract/logs.js';
import { describeNodesAndMetrics } from '../datastore/contract/nodes.js';
import { describeLocksAndOutbox } from '../datastore/contract/outbox.js';
import { describePurge } from '../datastore/contract/purge.js';
import { describeScheduledJobs } from '../datastore/contract/scheduled-jobs.js';
import { describeJobSearch } from '../datastore/contract/search.js';
import { describeTasks } from '../datastore/contract/tasks.js';
import { describeTransactions } from '../datastore/contract/transactions.js';
import { describeUsers } from '../datastore/contract/users.js';
import { makeJob, useDatastore } from '../datastore/contract/fixtures.js';

/**
 * The behaviour every `Datastore` must have. An implementation's test file calls this with a
 * factory returning a fresh, migrated, empty datastore (the suite closes it after each test), then
 * adds its own cases. A bug found in one implementation gets its regression test here.
 */
export function runDatastoreContract(name: string, create: () => Promise<Datastore>): void {
  describe(`${name} datastore contract`, () => {
    const ctx = useDatastore(create);

    describe('lifecycle', () => {
      it('migrates again without error and without losing data', async () => {
        const job = makeJob();
        await ctx.ds.createJob(job);
        await ctx.ds.migrate();
        expect((await ctx.ds.getJob(job.id)).id).toBe(job.id);
      });

      it('answers a health check', async () => {
        await expect(ctx.ds.healthCheck()).resolves.toBeUndefined();
      });
    });

    describeJobs(ctx);
    describeJobSearch(ctx);
    describeTasks(ctx);
    describeLogs(ctx);
    describeNodesAndMetrics(ctx);
    describeScheduledJobs(ctx);
    describeUsers(ctx);
    describeTransactions(ctx);
    describePurge(ctx);
    describeLocksAndOutbox(ctx);
  });
}
