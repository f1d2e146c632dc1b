import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { SqliteDatastore } from '../../src/datastore/sqlite.js';

/**
 * Temp dirs for SQLite files, removed after each test. Call once at the top of a test file;
 * `newDbPath()` returns a path to a database file that does not exist yet.
 */
export function useTempDirs(): { newDbPath: () => string } {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return {
    newDbPath() {
      const dir = mkdtempSync(join(tmpdir(), 'drover-sqlite-'));
      dirs.push(dir);
      return join(dir, 'drover.db');
    },
  };
}

/** A migrated SqliteDatastore on `path`. */
export async function openMigrated(path: string): Promise<SqliteDatastore> {
  const ds = new SqliteDatastore({ path });
  await ds.migrate();
  return ds;
}
