/**
 * `npm run bench`: the machine's limits and Drover's figures, measured in one run, printed as
 * one table with ratios, and written to `bench/results/latest.json` plus a dated copy.
 * See bench/README.md for what each figure means.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureDistributed } from './distributed.js';
import { measureSpawn, measureSqliteCommits } from './limits.js';
import { descendantsOf, killAllNow, rssOf, startDrover, stopAll, type DroverProcess } from './processes.js';
import { ROOT } from './root.js';
import {
  Recorder,
  log,
  measureApiThroughput,
  measureNoopServer,
  measureShellServer,
  pageLatencies,
} from './sections.js';
import { SEARCH_WORD, seedJobsApart } from './seed.js';
import { applyTargets, datedFileName, deriveFigures, renderTable, single, toJson } from './stats.js';

/** The whole run is stopped (with what it has) after this long. */
const RUN_LIMIT_MS = 15 * 60 * 1000;
const SPAWNS_PER_ROUND = 300;
const MILLION = Number(process.env.DROVER_BENCH_JOBS ?? 1_000_000);
/** Tasks of the default queue run at once by the worker under test. */
const CONCURRENCY = process.env.DROVER_BENCH_CONCURRENCY ?? '2';

const scratch = mkdtempSync(join(tmpdir(), 'drover-bench-'));

/**
 * `DROVER_BENCH_ONLY=noop,distributed` measures only those sections (and the limits, which every
 * ratio needs): for reproducing one figure without the whole run.
 */
const ONLY = new Set((process.env.DROVER_BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean));
function wanted(section: 'standalone' | 'noop' | 'distributed'): boolean {
  return ONLY.size === 0 || ONLY.has(section);
}

/** Runs every section, even after one failed; true when all succeeded. */
async function main(): Promise<boolean> {
  const rec = new Recorder();
  const startedAt = new Date();
  let ok = true;
  const section = async (name: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      ok = false;
      log(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      rec.note(`${name} failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      await stopAll();
    }
  };
  await section('limits', () => measureLimits(rec, 3));
  if (wanted('standalone')) await section('standalone', () => measureStandalone(rec));
  if (wanted('noop')) await section('no-op standalone', () => measureNoopStandalone(rec));
  if (process.env.DROVER_BENCH_DISTRIBUTED === '1' && wanted('distributed')) {
    await section('distributed', () => measureDistributed(rec, scratch, CONCURRENCY, () => measureSpawnRound(rec)));
  } else {
    rec.note('distributed figures skipped (set DROVER_BENCH_DISTRIBUTED=1 to measure them)');
  }
  // Limits again at the end: the machine drifts, and the ratios should not ride on one moment.
  await section('limits (end)', () => measureLimits(rec, 2));
  addCpuRatio(rec, 'standalone');
  writeResults(rec, startedAt);
  return ok;
}

async function measureLimits(rec: Recorder, rounds: number): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    await measureSpawnRound(rec);
    const commits = measureSqliteCommits(scratch, 5000, 'NORMAL');
    rec.add('commit.per_s', 'tx/s', commits);
    log(`limits: sqlite ${commits.toFixed(0)} commits/s`);
  }
  rec.add('commit.sqlite_full_per_s', 'tx/s', measureSqliteCommits(scratch, 2000, 'FULL'));
}

/** One round of L_spawn (also run between Drover's rounds: see `measureShellServer`). */
async function measureSpawnRound(rec: Recorder): Promise<void> {
  const spawn = await measureSpawn(SPAWNS_PER_ROUND);
  rec.add('spawn.sequential_per_s', 'proc/s', spawn.sequentialPerS);
  rec.add('spawn.concurrent2_per_s', 'proc/s', spawn.concurrent2PerS);
  rec.add('spawn.per_s', 'proc/s', Math.max(spawn.sequentialPerS, spawn.concurrent2PerS));
  rec.add('spawn.latency_ms', 'ms', ...spawn.latenciesMs);
  rec.add('spawn.parent_cpu_ms', 'ms', spawn.parentCpuMs);
  rec.add('spawn.child_cpu_ms', 'ms', spawn.childCpuMs);
  log(`limits: spawn ${spawn.sequentialPerS.toFixed(0)}/s sequential, ${spawn.concurrent2PerS.toFixed(0)}/s ×2`);
}

/**
 * How much more CPU a shell task costs Drover (server, spawner, task process) than a bare spawn
 * costs Node (parent, child): the gap to L_spawn that would remain on an otherwise idle machine.
 */
function addCpuRatio(rec: Recorder, prefix: string): void {
  const r = rec.results();
  const spawn = (r['spawn.parent_cpu_ms']?.median ?? NaN) + (r['spawn.child_cpu_ms']?.median ?? NaN);
  const task = ['server', 'spawner', 'task'].reduce((sum, part) => sum + (r[`${prefix}.${part}_cpu_ms_per_task`]?.median ?? NaN), 0);
  if (Number.isFinite(spawn / task)) rec.set(`${prefix}.cpu_efficiency`, single(spawn / task, '×'));
}

function standaloneEnv(dir: string): Record<string, string> {
  return {
    DROVER_DATASTORE_SQLITE_PATH: join(dir, 'drover.db'),
    DROVER_WORKER_QUEUES_DEFAULT: CONCURRENCY,
    DROVER_LOGGING_LEVEL: 'info',
  };
}

/** Drover as users run it: `drover run standalone`, SQLite, in-memory broker, shell runtime. */
async function measureStandalone(rec: Recorder): Promise<void> {
  const dir = join(scratch, 'standalone');
  mkdirSync(dir);
  let drover: DroverProcess | undefined = await startDrover('standalone', standaloneEnv(dir), dir);
  try {
    log(`standalone: listening on ${drover.url} (pid ${drover.pid})`);
    await measureIdleRss(rec, drover);
    const jobId = await measureShellServer(rec, 'standalone', drover.url, drover.pid, () => measureSpawnRound(rec));
    await measureApiThroughput(rec, drover.url, jobId);
    rec.set('standalone.peak_rss_mb', single(rssOf(drover.pid).peakMb, 'MB'));
    await drover.stop();
    drover = undefined;

    log(`api: storing ${MILLION} jobs (not timed)`);
    const seedMs = await seedJobsApart(join(dir, 'drover.db'), MILLION, 10 * 60 * 1000);
    log(`api: stored in ${(seedMs / 1000).toFixed(1)} s`);
    drover = await startDrover('standalone', standaloneEnv(dir), dir);
    // Pages 1 to 50 of 20 jobs, newest first, then a search of the same pages.
    const pages = Array.from({ length: 60 }, (_, i) => (i % 50) + 1);
    await pageLatencies(drover.url, ['/jobs?page=1&size=20', `/jobs?q=${SEARCH_WORD}&size=20`]);
    rec.add('api.list_1m_ms', 'ms', ...(await pageLatencies(drover.url, pages.map((p) => `/jobs?page=${p}&size=20`))));
    rec.add(
      'api.search_1m_ms',
      'ms',
      ...(await pageLatencies(drover.url, pages.map((p) => `/jobs?q=${SEARCH_WORD}&page=${p}&size=20`))),
    );
    log('api: list and search over the stored jobs measured');
  } finally {
    await drover?.stop();
  }
}

/** RSS once the server has started and run a few jobs, then sat idle for a second. */
async function measureIdleRss(rec: Recorder, drover: DroverProcess): Promise<void> {
  const { manyTaskJobs } = await import('./workloads.js');
  await manyTaskJobs(drover.url, 2, 5);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const main = rssOf(drover.pid).rssMb;
  const children = descendantsOf(drover.pid).reduce((sum, pid) => sum + safeRss(pid), 0);
  rec.set('standalone.idle_rss_mb', single(main, 'MB'));
  rec.set('standalone.idle_rss_total_mb', single(main + children, 'MB'));
  log(`standalone: idle RSS ${main.toFixed(0)} MB (${(main + children).toFixed(0)} MB with its child processes)`);
}

function safeRss(pid: number): number {
  try {
    return rssOf(pid).rssMb;
  } catch {
    return 0; // exited meanwhile
  }
}

/** The engine's own cost per task: the benchmark's no-op standalone server (bench/noop-server.ts). */
async function measureNoopStandalone(rec: Recorder): Promise<void> {
  const dir = join(scratch, 'noop');
  mkdirSync(dir);
  const script = join(ROOT, 'dist', 'bench', 'bench', 'noop-server.js');
  const drover = await startDrover('standalone', standaloneEnv(dir), dir, 30_000, script);
  try {
    await measureNoopServer(rec, 'standalone', drover.url, drover.pid);
  } finally {
    await drover.stop();
  }
}

function writeResults(rec: Recorder, startedAt: Date): void {
  const results = applyTargets(deriveFigures(rec.results(), availableParallelism()));
  const table = renderTable(results);
  process.stdout.write(`\n${table}\n`);
  if (rec.notes.length > 0) process.stdout.write(`\n${rec.notes.map((n) => `note: ${n}`).join('\n')}\n`);
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const json = toJson(results);
  writeFileSync(join(dir, 'latest.json'), json);
  writeFileSync(join(dir, datedFileName(startedAt)), json);
  log(`results written to bench/results/latest.json and bench/results/${datedFileName(startedAt)}`);
}

function cleanUp(): void {
  killAllNow();
  rmSync(scratch, { recursive: true, force: true });
}

process.once('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void stopAll().finally(() => process.exit(130));
  });
}
const watchdog = setTimeout(() => {
  log(`the run exceeded ${RUN_LIMIT_MS / 60_000} minutes: stopping`);
  void stopAll().finally(() => process.exit(1));
}, RUN_LIMIT_MS);
watchdog.unref();

try {
  const ok = await main();
  await stopAll();
  process.exit(ok ? 0 : 1);
} catch (err) {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  await stopAll();
  process.exit(1);
}
