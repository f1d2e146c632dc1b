import BetterSqlite3 from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Fill a Drover SQLite file with many jobs, straight into the tables (outside any timed part).
 * Each row copies a job Drover itself stored (so every column is one Drover can read back) and
 * changes its id, name, description, state and creation time. The full-text triggers index
 * every row, as they would have had the jobs come through the API.
 */

/** Words the names and descriptions are made of (five per job): `SEARCH_WORD` is in about 1 job in 10. */
const WORDS = [
  'build', 'deploy', 'nightly', 'backup', 'report', 'etl', 'ingest', 'export', 'import', 'sync',
  'cleanup', 'render', 'transcode', 'index', 'crawl', 'train', 'evaluate', 'migrate', 'archive', 'notify',
  'invoice', 'payroll', 'audit', 'scan', 'compile', 'package', 'publish', 'verify', 'rotate', 'compress',
  'thumbnail', 'geocode', 'forecast', 'reconcile', 'aggregate', 'snapshot', 'replicate', 'vacuum', 'resize', 'upload',
  'download', 'parse', 'validate', 'enrich', 'dedupe', 'schedule', 'monitor', 'benchmark', 'warmup', 'teardown',
];
export const SEARCH_WORD = 'reconcile';
// Finished jobs only: start-up recovery would re-queue the active ones.
const STATES = ['COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED', 'FAILED', 'CANCELLED'];

/** A small deterministic PRNG (mulberry32), so every run stores the same words. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Insert `count` jobs into the Drover database at `path` (already migrated, with at least one
 * job stored), in one transaction. Returns how long it took, in ms.
 */
export function seedJobs(path: string, count: number): number {
  const start = performance.now();
  const db = new BetterSqlite3(path, { timeout: 10_000 });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const template = db.prepare('select * from jobs order by seq desc limit 1').get() as Record<string, unknown> | undefined;
    if (!template) throw new Error('seed: no job to copy in the database');
    delete template.seq;
    const columns = ['seq', ...Object.keys(template)];
    const insert = db.prepare(`insert into jobs (${columns.join(', ')}) values (${columns.map((c) => `@${c}`).join(', ')})`);
    const random = prng(42);
    const word = () => WORDS[Math.floor(random() * WORDS.length)]!;
    // The stored jobs came before the jobs already there, as if Drover had run them over the 30
    // days before the oldest: oldest first, with `seq` below the existing rows', so that `seq`
    // follows `created_at` across the whole table as it does in a database that grew live.
    const oldest = db.prepare('select min(seq) as seq, min(created_at) as createdAt from jobs').get() as {
      seq: number;
      createdAt: number;
    };
    const last = oldest.createdAt - 1000;
    const first = last - 30 * 24 * 3600 * 1000;
    const step = (last - first) / count;
    db.transaction(() => {
      for (let i = 0; i < count; i++) {
        const createdAt = Math.floor(first + i * step);
        const state = STATES[Math.floor(random() * STATES.length)]!;
        insert.run({
          ...template,
          seq: oldest.seq - count + i,
          id: randomUUID().replaceAll('-', ''),
          name: `${word()} ${word()} ${i % 1000}`,
          description: `${word()} ${word()} ${word()} job for customer ${i % 997}`,
          state,
          created_at: createdAt,
          started_at: createdAt + 5,
          completed_at: state === 'COMPLETED' ? createdAt + 500 : null,
          failed_at: state === 'FAILED' ? createdAt + 500 : null,
        });
      }
    })();
  } finally {
    db.close();
  }
  return performance.now() - start;
}

/**
 * `seedJobs` in a child process; resolves with the ms it took. The harness measures L_spawn
 * again after the seeding, and a million inserts would leave its own heap, which each of its
 * forks copies, several times larger: its spawns ran at half the rate after seeding in-process.
 */
export async function seedJobsApart(path: string, count: number, timeoutMs: number): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, [fileURLToPath(import.meta.url), path, String(count)], {
    timeout: timeoutMs,
  });
  return Number(stdout.trim());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${seedJobs(process.argv[2]!, Number(process.argv[3]))}\n`);
}
