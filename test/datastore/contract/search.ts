import { describe, expect, it } from 'vitest';
import type { Datastore, JobQuery } from '../../../src/datastore/datastore.js';
import { at, createJobs, createJobsFrom, T0, type DatastoreContext } from './fixtures.js';

async function names(ds: Datastore, query: Omit<JobQuery, 'page' | 'size'>): Promise<string[]> {
  const page = await ds.listJobs({ page: 1, size: 20, ...query });
  return page.items.map((job) => job.name);
}

export function describeJobSearch(ctx: DatastoreContext): void {
  describe('job search and permissions', () => {
    it('filters by tag words, matching jobs that have any of the tags', async () => {
      await createJobs(ctx.ds, 4, (i) => ({ tags: [['a'], ['b'], ['a', 'c'], []][i]! }));
      expect(await names(ctx.ds, { q: 'tag:a' })).toEqual(['job 2', 'job 0']);
      expect(await names(ctx.ds, { q: 'tags:b,c' })).toEqual(['job 2', 'job 1']);
      expect(await names(ctx.ds, { q: 'tag:b tag:c' })).toEqual(['job 2', 'job 1']);
      expect(await names(ctx.ds, { q: 'tag:zzz' })).toEqual([]);
    });

    it('matches every search word against name, description and state', async () => {
      await createJobsFrom(ctx.ds, [
        { name: 'nightly backup', description: 'copies the database' },
        { name: 'nightly report', description: 'mails a summary', state: 'RUNNING' },
        { name: 'hourly backup', state: 'COMPLETED' },
      ]);
      expect(await names(ctx.ds, { q: 'nightly' })).toEqual(['nightly report', 'nightly backup']);
      expect(await names(ctx.ds, { q: 'nightly backup' })).toEqual(['nightly backup']);
      expect(await names(ctx.ds, { q: 'database' })).toEqual(['nightly backup']);
      expect(await names(ctx.ds, { q: 'completed' })).toEqual(['hourly backup']);
      expect(await names(ctx.ds, { q: 'weekly' })).toEqual([]);
    });

    it('matches English word forms, and numbers only as whole tokens', async () => {
      await createJobsFrom(ctx.ds, [
        { name: 'Job 101', state: 'RUNNING' },
        { name: 'Job 1010' },
        { name: 'copy files' },
      ]);
      expect(await names(ctx.ds, { q: 'running' })).toEqual(['Job 101']);
      expect(await names(ctx.ds, { q: 'jobs' })).toEqual(['Job 1010', 'Job 101']);
      expect(await names(ctx.ds, { q: '101' })).toEqual(['Job 101']);
      expect(await names(ctx.ds, { q: 'copying the file' })).toEqual(['copy files']);
    });

    it('treats search operators in user text as plain words', async () => {
      await createJobsFrom(ctx.ds, [{ name: 'alpha beta' }, { name: 'gamma' }]);
      expect(await names(ctx.ds, { q: 'alpha OR gamma' })).toEqual([]);
      expect(await names(ctx.ds, { q: '"alpha" beta*' })).toEqual(['alpha beta']);
      expect(await names(ctx.ds, { q: 'NEAR(alpha' })).toEqual([]);
    });

    it('combines tags and words with AND and counts only the matches', async () => {
      await createJobs(ctx.ds, 30, (i) => ({
        name: i % 2 === 0 ? `even ${i}` : `odd ${i}`,
        tags: i % 3 === 0 ? ['x'] : [],
      }));
      const page = await ctx.ds.listJobs({ page: 2, size: 2, q: 'even tag:x' });
      expect(page).toMatchObject({ number: 2, size: 2, totalItems: 5, totalPages: 3 });
      expect(page.items.map((j) => j.name)).toEqual(['even 12', 'even 6']);
    });

    it('pages a search by creation time even when jobs were stored out of it (a clock stepped back)', async () => {
      // Stored in this order, created at these minutes: the newest stored are not the newest created.
      const minutes = [5, 9, 1, 9, 3, 30, 2, 8, 8, 0, 7, 4, 6];
      await createJobs(ctx.ds, minutes.length, (i) => ({
        name: `step ${i}`,
        createdAt: at(minutes[i]! * 60_000),
      }));
      await createJobs(ctx.ds, 3, (i) => ({ name: `other ${i}`, createdAt: at(i * 60_000) }));
      // Newest first; on equal times the one stored later comes first.
      const expected = minutes
        .map((minute, i) => ({ minute, i }))
        .sort((a, b) => b.minute - a.minute || b.i - a.i)
        .map(({ i }) => `step ${i}`);
      for (const size of [1, 2, 3, 5, 13]) {
        const seen: string[] = [];
        for (let page = 1; page <= Math.ceil(minutes.length / size); page++) {
          const result = await ctx.ds.listJobs({ page, size, q: 'step' });
          expect(result.totalItems).toBe(minutes.length);
          seen.push(...result.items.map((job) => job.name!));
        }
        expect(seen, `pages of ${size}`).toEqual(expected);
      }
    });

    it('shows a user the jobs without permissions and those naming them or their roles', async () => {
      await ctx.ds.createUser({ id: 'u-alice', username: 'alice', createdAt: T0 });
      await ctx.ds.createUser({ id: 'u-bob', username: 'bob', createdAt: T0 });
      await ctx.ds.createRole({ id: 'r-ops', slug: 'ops', name: 'Ops', createdAt: T0 });
      await ctx.ds.assignRole('u-bob', 'r-ops');
      await createJobsFrom(ctx.ds, [
        { name: 'open' },
        { name: 'alice only', permissions: [{ user: { username: 'alice' } }] },
        { name: 'ops only', permissions: [{ role: { slug: 'ops' } }] },
        { name: 'alice or ops', permissions: [{ user: { id: 'u-alice' } }, { role: { id: 'r-ops' } }] },
      ]);
      expect(await names(ctx.ds, { username: 'alice' })).toEqual(['alice or ops', 'alice only', 'open']);
      expect(await names(ctx.ds, { username: 'bob' })).toEqual(['alice or ops', 'ops only', 'open']);
      expect(await names(ctx.ds, { username: 'nobody' })).toEqual(['open']);
      expect(await names(ctx.ds, {})).toEqual(['alice or ops', 'ops only', 'alice only', 'open']);
      const counted = await ctx.ds.listJobs({ page: 1, size: 1, username: 'bob' });
      expect(counted).toMatchObject({ totalItems: 3, totalPages: 3, size: 1 });
    });

    it('returns a job permissions with their users and roles', async () => {
      await ctx.ds.createUser({ id: 'u-alice', username: 'alice', name: 'Alice', createdAt: T0 });
      await ctx.ds.createRole({ id: 'r-ops', slug: 'ops', name: 'Ops', createdAt: T0 });
      const [job] = await createJobs(ctx.ds, 1, () => ({
        permissions: [{ user: { username: 'alice' } }, { role: { slug: 'ops' } }],
      }));
      const read = await ctx.ds.getJob(job!.id);
      expect(read.permissions).toEqual(
        expect.arrayContaining([
          { user: { id: 'u-alice', username: 'alice', name: 'Alice', createdAt: T0 } },
          { role: { id: 'r-ops', slug: 'ops', name: 'Ops', createdAt: T0 } },
        ]),
      );
      expect(read.permissions).toHaveLength(2);
    });

    it('rejects a job whose permission names an unknown user, storing nothing', async () => {
      const [job] = [{ permissions: [{ user: { username: 'ghost' } }] }];
      await expect(createJobs(ctx.ds, 1, () => job!)).rejects.toThrow('user ghost not found');
      expect((await ctx.ds.listJobs({ page: 1, size: 10 })).totalItems).toBe(0);
    });
  });
}
