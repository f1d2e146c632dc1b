import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './root.js';

/**
 * Every process the benchmark starts goes through here, so that an error, Ctrl-C or the end of
 * the run stops them all (and the processes they started: each is a process-group leader).
 */

const BIN = join(ROOT, 'bin', 'drover.js');
const started = new Set<ChildProcess>();

export interface DroverProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** stderr + stdout so far (JSON logs). */
  output(): string;
  stop(): Promise<void>;
}

/** SIGKILL a process group, ignoring one that is already gone. */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Stop a child: SIGTERM to its group, SIGKILL after `graceMs`. Resolves once it exited. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    killGroup(child.pid, 'SIGKILL');
    started.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child.pid, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  // Anything the process left behind in its group (a spawner, a task) goes too.
  killGroup(child.pid, 'SIGKILL');
  started.delete(child);
}

/** Stop everything still running (end of run, error, signal). */
export async function stopAll(): Promise<void> {
  await Promise.all([...started].map((child) => stopChild(child, 3000)));
}

/** Synchronous last resort for `process.on('exit')`. */
export function killAllNow(): void {
  for (const child of started) killGroup(child.pid, 'SIGKILL');
}

/**
 * Start `drover run <mode>` (or `script`, a Node script that logs the same way) with JSON logs
 * on a free loopback port and wait until it listens (a worker, which has no HTTP server, until
 * it logs `worker started`).
 */
export async function startDrover(
  mode: 'standalone' | 'coordinator' | 'worker',
  env: Record<string, string>,
  cwd: string,
  timeoutMs = 30_000,
  script?: string,
): Promise<DroverProcess> {
  const child = spawnTracked(process.execPath, script ? [script] : [BIN, 'run', mode], {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    DROVER_COORDINATOR_ADDRESS: '127.0.0.1:0',
    DROVER_LOGGING_FORMAT: 'json',
    DROVER_LOGGING_LEVEL: 'info',
    DROVER_CLI_BANNER_MODE: 'off',
    ...env,
  }, cwd);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (output = keepTail(output + c)));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (output = keepTail(output + c)));
  const marker = mode === 'worker' ? '"worker started"' : '"drover listening"';
  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  while (url === undefined) {
    if (child.exitCode !== null) throw new Error(`drover ${mode} exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      await stopChild(child, 1000);
      throw new Error(`drover ${mode} did not start within ${timeoutMs} ms:\n${output}`);
    }
    const line = output.split('\n').find((l) => l.includes(marker));
    if (line) url = mode === 'worker' ? '' : (JSON.parse(line) as { url: string }).url;
    else await new Promise((r) => setTimeout(r, 25));
  }
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (stopping) return;
    const tail = output.trimEnd().split('\n').slice(-15).join('\n');
    process.stderr.write(`drover ${mode} (pid ${child.pid}) exited unexpectedly (${signal ?? `code ${code}`}); its last lines:\n${tail}\n`);
  });
  const stop = (): Promise<void> => {
    stopping = true;
    return stopChild(child);
  };
  return { url, pid: child.pid!, child, output: () => output, stop };
}

/** Keep the last 64 KiB of a log: enough for an error message, bounded over a long run. */
function keepTail(text: string): string {
  return text.length > 128 * 1024 ? text.slice(-64 * 1024) : text;
}

/** Spawn a tracked process as the leader of its own group. */
export function spawnTracked(command: string, args: string[], env: Record<string, string>, cwd: string): ChildProcess {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

/** Resident set size now and at its peak (VmHWM), in MB, of one process. */
export function rssOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** The pids of a process's descendants (children, grandchildren, …). */
export function descendantsOf(pid: number): number[] {
  const out: number[] = [];
  const visit = (p: number): void => {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const tid of tasks) {
      let children = '';
      try {
        children = readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const c of children.split(/\s+/).filter(Boolean).map(Number)) {
        out.push(c);
        visit(c);
      }
    }
  };
  visit(pid);
  return out;
}

/**
 * CPU time, in ms, that a process used itself and that its reaped children used (from
 * `/proc/<pid>/stat`, in clock ticks of 10 ms).
 */
export function cpuOf(pid: number): { selfMs: number; childrenMs: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = (i: number) => Number(fields[i] ?? 0) * 10;
  return { selfMs: ticks(11) + ticks(12), childrenMs: ticks(13) + ticks(14) };
}

/** CPU a process and its live descendants use while `fn` runs, in ms. */
export async function cpuWhile<T>(pid: number, fn: () => Promise<T>): Promise<{ result: T; mainMs: number; helpersMs: number; reapedMs: number }> {
  const helpers = descendantsOf(pid);
  const read = () => {
    const main = cpuOf(pid);
    let helpersMs = 0;
    let reapedMs = main.childrenMs;
    for (const p of helpers) {
      try {
        const c = cpuOf(p);
        helpersMs += c.selfMs;
        reapedMs += c.childrenMs;
      } catch {
        // exited meanwhile
      }
    }
    return { mainMs: main.selfMs, helpersMs, reapedMs };
  };
  const before = read();
  const result = await fn();
  const after = read();
  return {
    result,
    mainMs: after.mainMs - before.mainMs,
    helpersMs: after.helpersMs - before.helpersMs,
    reapedMs: after.reapedMs - before.reapedMs,
  };
}

/** Processes whose command name (`/proc/<pid>/comm`) matches `name`. */
export function processesNamed(name: RegExp): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (name.test(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** CPU (ms) each group of processes has used so far; a process that has exited counts as nothing more. */
export function cpuOfGroups(groups: Record<string, number[]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pids] of Object.entries(groups)) {
    out[name] = 0;
    for (const pid of pids) {
      try {
        out[name] += cpuOf(pid).selfMs;
      } catch {
        // exited meanwhile
      }
    }
  }
  return out;
}
