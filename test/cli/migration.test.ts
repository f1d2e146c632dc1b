import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBuilt, runDrover, type RunOptions } from './drover.js';

function tableNames(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all() as Array<{ name: string }>;
    return rows.map((row) => row.name);
  } finally {
    db.close();
  }
}

/** The `msg` of every JSON log line. */
function messages(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { msg: string }).msg);
}

describe('drover migration', () => {
  let root: string;
  let options: RunOptions;

  beforeAll(() => ensureBuilt(), 120_000);
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'drover-migration-'));
    options = { cwd: join(root, 'work'), home: join(root, 'home') };
    mkdirSync(options.cwd);
    mkdirSync(options.home);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates the SQLite schema and can run again without changing it', async () => {
    const path = join(root, 'drover.db');
    const env = { DROVER_DATASTORE_SQLITE_PATH: path };

    const first = await runDrover(['migration'], { ...options, env });
    expect(first.code, first.stderr).toBe(0);
    expect(messages(first.stderr)).toContain('migration completed');
    const tables = tableNames(path);
    expect(tables).toContain('jobs');

    const second = await runDrover(['migration'], { ...options, env });
    expect(second.code, second.stderr).toBe(0);
    expect(messages(second.stderr)).toContain('migration completed');
    expect(tableNames(path)).toEqual(tables);
  });

  it('uses ./.drover/drover.db in the working directory by default', async () => {
    const result = await runDrover(['migration'], options);
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(join(options.cwd, '.drover', 'drover.db'))).toBe(true);
  });
});
