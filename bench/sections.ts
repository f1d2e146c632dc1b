import { HttpClient, load } from './http.js';
import { cpuOfGroups, cpuWhile } from './processes.js';
import { percentile, single, summarize, type Figure, type Results } from './stats.js';
import { latencies, manyTaskJobs, oneTaskJobs, parallelFanOut } from './workloads.js';

/**
 * The measurements made against a running Drover server, shared by the standalone and the
 * distributed runs (figure names take the mode as prefix). Every loop has a fixed count.
 */

/** Collects samples per figure name, then summarises them. */
export class Recorder {
  /** Figures in the order they were first recorded, which is the order of the table. */
  private readonly figures = new Map<string, { unit: string; values: number[] } | Figure>();
  readonly notes: string[] = [];

  add(name: string, unit: string, ...values: number[]): void {
    const entry = this.figures.get(name);
    if (entry && 'values' in entry) entry.values.push(...values);
    else this.figures.set(name, { unit, values: [...values] });
  }

  set(name: string, figure: Figure): void {
    this.figures.set(name, figure);
  }

  note(text: string): void {
    this.notes.push(text);
    log(`note: ${text}`);
  }

  results(): Results {
    const out: Results = {};
    for (const [name, entry] of this.figures) {
      if (!('values' in entry)) out[name] = entry;
      else if (entry.values.length > 0) out[name] = summarize(entry.values, entry.unit);
    }
    return out;
  }
}

export function log(text: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
}

/** How much work each measurement does. */
export interface Sizes {
  rounds: number;
  /** Jobs of `tasksPerJob` tasks submitted at once. */
  manyJobs: number;
  tasksPerJob: number;
  oneTaskJobs: number;
  oneTaskInFlight: number;
  latencyJobs: number;
  parallelRounds: number;
}

export const SIZES: Sizes = {
  rounds: 3,
  manyJobs: 20,
  tasksPerJob: 50,
  oneTaskJobs: 1000,
  oneTaskInFlight: 4,
  latencyJobs: 300,
  parallelRounds: 5,
};

/**
 * Run `fn` (which completes `tasks` tasks) and, when the server's pid is known, record the CPU
 * it cost per task: the server process itself, its helper processes (the spawner), and the task
 * processes they reaped. Unlike rates, these hardly move when other work shares the machine.
 */
async function withCpu<T>(rec: Recorder, name: string, pid: number | undefined, tasks: number, fn: () => Promise<T>): Promise<T> {
  if (pid === undefined) return fn();
  const { result, mainMs, helpersMs, reapedMs } = await cpuWhile(pid, fn);
  rec.add(`${name}server_cpu_ms_per_task`, 'ms', mainMs / tasks);
  if (helpersMs > 0 || reapedMs > 0) {
    rec.add(`${name}spawner_cpu_ms_per_task`, 'ms', helpersMs / tasks);
    rec.add(`${name}task_cpu_ms_per_task`, 'ms', reapedMs / tasks);
  }
  return result;
}

/**
 * Trivial shell tasks through a real server: throughput, latency and a 100-way fan-out. With
 * the server's `pid`, the CPU each task costs too.
 */
export async function measureShellServer(
  rec: Recorder,
  prefix: string,
  url: string,
  pid?: number,
  /** Measures the machine's limits once more: run before each throughput round, so that limits and figures are taken in the same moments. */
  limitRound: () => Promise<void> = async () => {},
  sizes = SIZES,
): Promise<string> {
  // The server's code is compiled as it runs: measure it warm, as it runs in production.
  log(`${prefix}: warm-up`);
  for (let r = 0; r < 2; r++) await manyTaskJobs(url, sizes.manyJobs, sizes.tasksPerJob);
  const warm = await latencies(url, 50);
  const tasks = sizes.manyJobs * sizes.tasksPerJob;
  for (let r = 0; r < sizes.rounds; r++) {
    await limitRound();
    const perS = await withCpu(rec, `${prefix}.`, pid, tasks, () => manyTaskJobs(url, sizes.manyJobs, sizes.tasksPerJob));
    rec.add(`${prefix}.shell_tasks_per_s`, 'tasks/s', perS);
    log(`${prefix}: ${sizes.manyJobs} jobs × ${sizes.tasksPerJob} tasks: ${perS.toFixed(0)} tasks/s`);
  }
  for (let r = 0; r < sizes.rounds; r++) {
    const perS = await oneTaskJobs(url, sizes.oneTaskJobs, sizes.oneTaskInFlight);
    rec.add(`${prefix}.one_task_jobs_per_s`, 'jobs/s', perS);
    log(`${prefix}: ${sizes.oneTaskJobs} one-task jobs, ${sizes.oneTaskInFlight} in flight: ${perS.toFixed(0)} jobs/s`);
  }
  const { samplesMs, lastJobId } = await latencies(url, sizes.latencyJobs);
  rec.add(`${prefix}.latency_ms`, 'ms', ...samplesMs);
  rec.set(`${prefix}.latency_p95_ms`, single(percentile(samplesMs, 95), 'ms'));
  log(`${prefix}: latency p50 ${percentile(samplesMs, 50).toFixed(2)} ms, p95 ${percentile(samplesMs, 95).toFixed(2)} ms`);
  for (let r = 0; r < sizes.parallelRounds; r++) {
    const ms = await parallelFanOut(url, 100);
    if (ms === undefined) {
      rec.note(`${prefix}.parallel100_ms not measured: the server rejects composite tasks (not supported yet)`);
      break;
    }
    rec.add(`${prefix}.parallel100_ms`, 'ms', ms);
    log(`${prefix}: parallel of 100: ${ms.toFixed(0)} ms`);
  }
  return lastJobId || warm.lastJobId;
}

/** Rounds of `manyJobs × tasksPerJob` no-op tasks run before the measured ones. */
const NOOP_WARMUP_ROUNDS = 4;

/**
 * The engine's own cost: the same many-task workload on a server whose runtime does nothing.
 * `others`: more processes the tasks go through (the worker, RabbitMQ, PostgreSQL), by name,
 * found again before each round; the CPU each group used per task is recorded as
 * `<prefix>.noop_<name>_cpu_ms_per_task`.
 */
export async function measureNoopServer(
  rec: Recorder,
  prefix: string,
  url: string,
  pid?: number,
  sizes = SIZES,
  others: () => Record<string, number[]> = () => ({}),
): Promise<void> {
  // Measured warm, like the shell figures: the engine's CPU per task falls for its first 3,000
  // to 4,000 tasks here while V8 compiles the hot path (1.0 ms, then 0.7, 0.5, then 0.4–0.45).
  log(`${prefix}: no-op warm-up`);
  for (let r = 0; r < NOOP_WARMUP_ROUNDS; r++) await manyTaskJobs(url, sizes.manyJobs, sizes.tasksPerJob);
  const tasks = sizes.manyJobs * sizes.tasksPerJob;
  for (let r = 0; r < sizes.rounds; r++) {
    const groups = others();
    const before = cpuOfGroups(groups);
    const perS = await withCpu(rec, `${prefix}.noop_`, pid, tasks, () => manyTaskJobs(url, sizes.manyJobs, sizes.tasksPerJob));
    const after = cpuOfGroups(groups);
    for (const name of Object.keys(groups)) rec.add(`${prefix}.noop_${name}_cpu_ms_per_task`, 'ms', (after[name]! - before[name]!) / tasks);
    rec.add(`${prefix}.noop_tasks_per_s`, 'tasks/s', perS);
    log(`${prefix}: no-op ${sizes.manyJobs} jobs × ${sizes.tasksPerJob} tasks: ${perS.toFixed(0)} tasks/s`);
  }
  const { samplesMs } = await latencies(url, 100);
  rec.add(`${prefix}.noop_latency_ms`, 'ms', ...samplesMs);
}

/** Requests per second of `GET /jobs/{id}` and of a search, under closed-loop load. */
export async function measureApiThroughput(rec: Recorder, url: string, jobId: string, rounds = 3): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    const get = await load(url, `/jobs/${jobId}`, 16, 3000);
    rec.add('api.get_job_per_s', 'req/s', get.perSecond);
    const search = await load(url, '/jobs?q=bench&size=20', 16, 2000);
    rec.add('api.search_per_s', 'req/s', search.perSecond);
    log(`api: GET /jobs/{id} ${get.perSecond.toFixed(0)} req/s, GET /jobs?q= ${search.perSecond.toFixed(0)} req/s`);
  }
}

/** Sequential page requests; the time of each, in ms. */
export async function pageLatencies(url: string, paths: string[]): Promise<number[]> {
  const client = new HttpClient(url, 1);
  try {
    const samples: number[] = [];
    for (const path of paths) {
      const t = performance.now();
      const res = await client.request('GET', path);
      samples.push(performance.now() - t);
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.body.slice(0, 300)}`);
      const page = JSON.parse(res.body) as { items?: unknown[] };
      if (!page.items?.length) throw new Error(`GET ${path}: an empty page`);
    }
    return samples;
  } finally {
    client.close();
  }
}
