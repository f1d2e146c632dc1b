/** The datastore reads added for the UI (`sql/ui-reads.ts`), on SQLite and PostgreSQL. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Datastore } from '../../src/datastore/datastore.js';
import { PostgresDatastore } from '../../src/datastore/postgres.js';
import { SqliteDatastore } from '../../src/datastore/sqlite.js';
import type { Job } from '../../src/model/job.js';
import { dropSchemas, newSchemaName, POSTGRES_URL } from '../helpers/postgres.js';

const schemas: string[] = [];
const BACK_ENDS: [string, () => Datastore][] = [
  [
    'sqlite',
    () => new SqliteDatastore({ path: join(mkdtempSync(join(tmpdir(), 'drover-ui-reads-')), 'drover.db') }),
  ],
  [
    'postgres',
    () => {
      const schema = newSchemaName();
      schemas.push(schema);
      return new PostgresDatastore({ dsn: POSTGRES_URL, schema, maxConnections: 2 });
    },
  ],
];

afterAll(async () => {
  await dropSchemas(schemas);
});

describe.each(BACK_ENDS)('on %s', (_name, open) => {
  let ds: Datastore;

  beforeEach(async () => {
    ds = open();
    await ds.migrate();
  });

  afterEach(async () => {
    await ds.close();
  });

  const job = (id: string, state: Job['state'], createdAt: number, extra: Partial<Job> = {}): Job => ({
    id,
    name: `job ${id}`,
    state,
    createdAt: new Date(createdAt),
    tasks: [],
    position: 0,
    taskCount: 0,
    context: {},
    ...extra,
  });

  describe('the UI reads of the datastore', () => {
    it('reads log parts by stored position, in both directions, for a task or a whole job', async () => {
      await ds.createJob(job('j', 'RUNNING', 1000));
      await ds.createTasks([
        { id: 'a', jobId: 'j', position: 1, state: 'COMPLETED', createdAt: new Date(1) },
        { id: 'b', jobId: 'j', position: 2, state: 'RUNNING', createdAt: new Date(2) },
      ]);
      await ds.createLogParts([
        { taskId: 'a', number: 1, contents: 'a1\na2\n' },
        { taskId: 'b', number: 1, contents: 'b1\nb' },
        { taskId: 'a', number: 2, contents: 'a3\n' },
      ]);
      const all = await ds.listLogChunks({ jobId: 'j' }, { order: 'asc', limit: 10 });
      expect(all.map((c) => [c.taskId, c.contents])).toEqual([
        ['a', 'a1\na2\n'],
        ['b', 'b1\nb'],
        ['a', 'a3\n'],
      ]);
      const [first, second, third] = all.map((c) => c.seq);
      expect(first! < second! && second! < third!).toBe(true);
      expect(
        (await ds.listLogChunks({ taskId: 'a' }, { order: 'desc', limit: 1 })).map((c) => c.contents),
      ).toEqual(['a3\n']);
      expect(
        (await ds.listLogChunks({ taskId: 'a' }, { afterSeq: first, order: 'asc', limit: 10 })).map(
          (c) => c.number,
        ),
      ).toEqual([2]);
      expect(
        (await ds.listLogChunks({ jobId: 'j' }, { beforeSeq: third, order: 'desc', limit: 10 })).map(
          (c) => c.taskId,
        ),
      ).toEqual(['b', 'a']);
      expect(await ds.getLogStats({ taskId: 'a' })).toEqual({
        parts: 2,
        newlines: 3,
        lastSeq: third,
        endsWithNewline: true,
      });
      expect(await ds.getLogStats({ taskId: 'b' })).toEqual({
        parts: 1,
        newlines: 1,
        lastSeq: second,
        endsWithNewline: false,
      });
      expect(await ds.getLogStats({ jobId: 'j' }, third)).toMatchObject({ parts: 2, newlines: 3 });
      expect(await ds.getLogStats({ taskId: 'none' })).toEqual({
        parts: 0,
        newlines: 0,
        lastSeq: 0,
        endsWithNewline: true,
      });
    });

    it('lists job summaries by state, time, schedule and parent, newest first, page by page', async () => {
      await ds.createJob(job('old', 'FAILED', 1000, { tags: ['nightly'] }));
      await ds.createJob(job('mid', 'COMPLETED', 2000, { schedule: { id: 's1' } }));
      await ds.createJob(job('new', 'RUNNING', 3000, { parentId: 't1' }));
      await ds.createJob(job('same', 'FAILED', 3000));
      const ids = async (query: Parameters<Datastore['listJobSummaries']>[0]): Promise<string[]> =>
        (await ds.listJobSummaries(query)).items.map((j) => j.id);
      expect(await ids({ limit: 10 })).toEqual(['same', 'new', 'mid', 'old']);
      expect(await ids({ limit: 10, states: ['FAILED'] })).toEqual(['same', 'old']);
      expect(await ids({ limit: 10, since: new Date(2000), until: new Date(3000) })).toEqual(['mid']);
      expect(await ids({ limit: 10, scheduledJobId: 's1' })).toEqual(['mid']);
      expect(await ids({ limit: 10, parentId: 't1' })).toEqual(['new']);
      expect(await ids({ limit: 10, q: 'tag:nightly' })).toEqual(['old']);
      const page1 = await ds.listJobSummaries({ limit: 2 });
      expect(page1.items.map((j) => j.id)).toEqual(['same', 'new']);
      // A job added meanwhile does not shift the next page (keyset paging).
      await ds.createJob(job('newest', 'PENDING', 4000));
      const page2 = await ds.listJobSummaries({ limit: 2, cursor: page1.next });
      expect(page2.items.map((j) => j.id)).toEqual(['mid', 'old']);
      expect(page2.next).toBeUndefined();
      expect(page2.items[0]!.tasks).toEqual([]);
    });
  });
});
