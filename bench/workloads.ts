import { HttpClient } from './http.js';
import { perSecond } from './stats.js';

/**
 * The job workloads, run against a Drover server over its REST API. Every job is submitted in
 * wait mode (`wait.timeout`), so the answer comes when the job has ended: submit→COMPLETED is
 * one request, and nothing polls.
 */

/** Longest a benchmark job may take before the run is declared broken. */
const WAIT_TIMEOUT = '5m';

interface JobAnswer {
  id: string;
  state: string;
  error?: string;
}

export function shellJob(name: string, taskCount: number, run = 'true'): string {
  const tasks = Array.from({ length: taskCount }, (_, i) => ({ name: `t${i + 1}`, run }));
  return JSON.stringify({ name, wait: { timeout: WAIT_TIMEOUT }, tasks });
}

export function parallelJob(name: string, width: number): string {
  const tasks = Array.from({ length: width }, (_, i) => ({ name: `p${i + 1}`, run: 'true' }));
  return JSON.stringify({ name, wait: { timeout: WAIT_TIMEOUT }, tasks: [{ name: 'fan-out', parallel: { tasks } }] });
}

/** Submit one job and wait for its end; throws unless it COMPLETED. Returns its id. */
export async function runJob(client: HttpClient, body: string): Promise<string> {
  const res = await client.request('POST', '/jobs', body);
  if (res.status !== 200) throw new Error(`POST /jobs: ${res.status} ${res.body.slice(0, 300)}`);
  const job = JSON.parse(res.body) as JobAnswer;
  if (job.state !== 'COMPLETED') throw new Error(`job ${job.id} ended ${job.state}: ${job.error ?? ''}`);
  return job.id;
}

/** `jobs` jobs of `tasksPerJob` trivial tasks, all submitted at once. Returns tasks per second. */
export async function manyTaskJobs(baseUrl: string, jobs: number, tasksPerJob: number, run = 'true'): Promise<number> {
  const client = new HttpClient(baseUrl, jobs);
  try {
    const start = performance.now();
    await Promise.all(Array.from({ length: jobs }, (_, i) => runJob(client, shellJob(`bench many ${i}`, tasksPerJob, run))));
    return perSecond(jobs * tasksPerJob, performance.now() - start);
  } finally {
    client.close();
  }
}

/** `count` one-task jobs with `inFlight` submitted at any time. Returns jobs per second. */
export async function oneTaskJobs(baseUrl: string, count: number, inFlight: number): Promise<number> {
  const client = new HttpClient(baseUrl, inFlight);
  try {
    const body = shellJob('bench one-task', 1);
    let next = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next++ < count) await runJob(client, body);
      }),
    );
    return perSecond(count, performance.now() - start);
  } finally {
    client.close();
  }
}

/** `count` one-task jobs one after another; the submit→COMPLETED time of each, in ms. */
export async function latencies(baseUrl: string, count: number): Promise<{ samplesMs: number[]; lastJobId: string }> {
  const client = new HttpClient(baseUrl, 1);
  try {
    const body = shellJob('bench latency', 1);
    const samplesMs: number[] = [];
    let lastJobId = '';
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      lastJobId = await runJob(client, body);
      samplesMs.push(performance.now() - t);
    }
    return { samplesMs, lastJobId };
  } finally {
    client.close();
  }
}

/**
 * One job whose only task is a `parallel` of `width` trivial tasks; ms from submit to COMPLETED.
 * Undefined when the server rejects composite tasks (a 400 saying they are not supported).
 */
export async function parallelFanOut(baseUrl: string, width: number): Promise<number | undefined> {
  const client = new HttpClient(baseUrl, 1);
  try {
    const t = performance.now();
    const res = await client.request('POST', '/jobs', parallelJob('bench parallel', width));
    const elapsed = performance.now() - t;
    if (res.status === 400 && /not (yet )?supported|not in this release|not available/i.test(res.body)) return undefined;
    if (res.status !== 200) throw new Error(`POST /jobs (parallel): ${res.status} ${res.body.slice(0, 300)}`);
    const job = JSON.parse(res.body) as JobAnswer;
    if (job.state !== 'COMPLETED') throw new Error(`parallel job ${job.id} ended ${job.state}: ${job.error ?? ''}`);
    return elapsed;
  } finally {
    client.close();
  }
}
