import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../src/async.js';
import { SqliteDatastore } from '../../src/datastore/sqlite.js';
import { makeJob } from './contract/fixtures.js';
import { useTempDirs } from './helpers.js';

const temp = useTempDirs();

/** Reads through the datastore's own connection. */
class ProbedDatastore extends SqliteDatastore {
  async pragma(name: string): Promise<number> {
    const result = await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(this.db);
    return Number(Object.values(result.rows[0] ?? {})[0]);
  }
}

/**
 * Pages in the database file itself (the header's "in-header database size", bytes 28–31): it
 * changes only when a checkpoint copies pages from the write-ahead log into the file.
 */
function pagesInMainFile(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(4);
    readSync(fd, header, 0, 4, 28);
    return header.readUInt32BE(0);
  } finally {
    closeSync(fd);
  }
}

async function storeJobs(ds: SqliteDatastore, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await ds.createJob(makeJob({ description: 'x'.repeat(2000) }));
}

describe('sqlite WAL checkpoints off the commit path', () => {
  it('leaves checkpoints to its thread: the commit path checkpoints only past a 10,000-page backstop', async () => {
    const ds = new ProbedDatastore({ path: temp.newDbPath() });
    try {
      expect(await ds.pragma('wal_autocheckpoint')).toBe(10_000);
      // A log grown by a burst is cut back when rewound.
      expect(await ds.pragma('journal_size_limit')).toBe(16 * 1024 * 1024);
    } finally {
      await ds.close();
    }
  });

  it('copies committed pages into the database file long before the backstop', async () => {
    const path = temp.newDbPath();
    const ds = new ProbedDatastore({ path });
    try {
      await ds.migrate();
      await storeJobs(ds, 300);
      const pages = await ds.pragma('page_count');
      // Far below the 10,000 pages at which the commit path would checkpoint by itself.
      expect(pages).toBeGreaterThan(150);
      expect(pages).toBeLessThan(10_000);
      await waitFor(() => pagesInMainFile(path) === pages, { timeoutMs: 10_000, message: 'the thread to checkpoint' });
      // And again for what is written next: the thread keeps at it.
      await storeJobs(ds, 300);
      const more = await ds.pragma('page_count');
      expect(more).toBeGreaterThan(pages);
      await waitFor(() => pagesInMainFile(path) === more, { timeoutMs: 10_000, message: 'the second checkpoint' });
    } finally {
      await ds.close();
    }
  });

  it('checkpoints the whole log and removes it on close', async () => {
    const path = temp.newDbPath();
    const ds = new SqliteDatastore({ path });
    await ds.migrate();
    await storeJobs(ds, 50);
    expect(existsSync(`${path}-wal`)).toBe(true);
    await ds.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    // Closing twice is harmless.
    await ds.close();
  });

  it('runs no thread for an in-memory database', async () => {
    const ds = new ProbedDatastore({ path: ':memory:' });
    try {
      await ds.migrate();
      // SQLite's own default: nothing to hand over without a log file.
      expect(await ds.pragma('wal_autocheckpoint')).toBe(1000);
      await storeJobs(ds, 5);
    } finally {
      await ds.close();
    }
  });
});
