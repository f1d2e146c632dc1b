import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { GroupCommand, GroupExit } from './process-group.js';
import { killGroup } from './process-group.js';
import { encodeNativeRequest, nativeSpawnerPath } from './native-spawner.js';
import { spawnerMain, type SpawnerReport, type SpawnerRequest } from './spawner-program.js';
import type { PlannedWorkdir } from './workdir.js';

/** A command to run in a work dir that the spawner creates first (`cwd` is that dir). */
export interface SpawnerCommand extends Omit<GroupCommand, 'cwd'> {
  workdir: PlannedWorkdir;
}

export interface SpawnerExit extends GroupExit {
  /**
   * The results, read by the spawner, which then removed the work dir (`null` for a file that
   * was gone). Absent when it could not: the caller reads and removes the work dir itself.
   */
  finished?: { output: string | null; progress: string | null };
}

/** The work dir could not be created (not the command's fault, unlike a failure to start it). */
export class WorkdirError extends Error {}

/**
 * Starts task processes from a small helper process instead of this one.
 *
 * Why: `fork()` copies the page tables of the process that calls it, and blocks its event loop
 * meanwhile. In a server holding a SQLite cache, Fastify and the engine, that is milliseconds
 * per task, during which no request is served and no handler runs. The helper is a bare Node
 * process, so each fork costs what the machine allows, and it runs on another core while the
 * engine goes on with its work.
 *
 * The helper is the native spawner (native-spawner.ts) where it was built, else a Node.js
 * process running `spawnerMain`; both speak the same reports.
 *
 * One helper per process, shared by every shell runtime in it and started on first use. It
 * kills the process groups of its runs and exits when this process goes away (its stdin closes).
 * If it dies, the runs in flight fail with a message saying so, their process groups are killed,
 * and the next run starts a new one.
 */
class Spawner {
  private child: ChildProcessByStdio<Writable, Readable, null> | undefined;
  private readonly runs = new Map<number, Run>();
  private nextId = 1;
  private buffered = '';

  /** `native`: the program at this path; `node`: `spawnerMain` in a Node.js process. */
  constructor(private readonly native: string | undefined) {}

  run(cmd: SpawnerCommand): Promise<SpawnerExit> {
    if (cmd.signal.aborted) return Promise.resolve({ code: null, signal: null, aborted: true });
    const child = this.started();
    const id = this.nextId++;
    return new Promise<SpawnerExit>((resolve, reject) => {
      const run: Run = { cmd, resolve, reject, aborted: false, pid: undefined, onAbort: () => {} };
      run.onAbort = () => {
        run.aborted = true;
        this.send({ op: 'kill', id });
      };
      cmd.signal.addEventListener('abort', run.onAbort, { once: true });
      this.runs.set(id, run);
      this.hold(true);
      this.send(
        { op: 'run', id, command: cmd.command, args: cmd.args, env: cmd.env, uid: cmd.uid, gid: cmd.gid, workdir: cmd.workdir },
        child,
      );
    });
  }

  private started(): ChildProcessByStdio<Writable, Readable, null> {
    if (this.child) return this.child;
    const [program, args] = this.native ? [this.native, []] : [process.execPath, ['-e', `(${spawnerMain.toString()})()`]];
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'inherit'], env: {} });
    this.child = child;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => this.receive(chunk));
    child.stdin.on('error', () => {
      // EPIPE when it died: the exit handler below fails the runs.
    });
    child.once('exit', (code, signal) => this.lost(child, `the shell spawner exited (${signal ?? `code ${code}`})`));
    child.once('error', (err) => this.lost(child, `the shell spawner failed: ${err.message}`));
    this.hold(false);
    return child;
  }

  /** Keep this process alive while runs are in flight, and only then. */
  private hold(busy: boolean): void {
    const child = this.child;
    if (!child) return;
    // The pipe is a socket, which can be (un)referenced like the process.
    const pipe = child.stdout as Readable & { ref?: () => void; unref?: () => void };
    if (busy) {
      child.ref();
      pipe.ref?.();
    } else {
      child.unref();
      pipe.unref?.();
    }
  }

  private send(request: SpawnerRequest, child = this.child): void {
    child?.stdin.write(this.native ? encodeNativeRequest(request) : `${JSON.stringify(request)}\n`);
  }

  private receive(chunk: string): void {
    this.buffered += chunk;
    let newline = this.buffered.indexOf('\n');
    while (newline >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      this.report(JSON.parse(line) as SpawnerReport);
      newline = this.buffered.indexOf('\n');
    }
  }

  private report(report: SpawnerReport): void {
    const run = this.runs.get(report.id);
    if (!run) return;
    switch (report.ev) {
      case 'pid':
        run.pid = report.pid;
        // Aborted before the process existed: the kill request went first; send it again.
        if (run.aborted) this.send({ op: 'kill', id: report.id });
        return;
      case 'out':
        if (report.pid !== undefined) this.report({ ev: 'pid', id: report.id, pid: report.pid });
        run.cmd.onOutput(report.data);
        return;
      case 'error':
        this.settle(report.id, run);
        run.reject(report.stage === 'workdir' ? new WorkdirError(report.message) : new Error(report.message));
        return;
      case 'exit':
        this.settle(report.id, run);
        // Without `finished` the caller reads and removes the work dir itself.
        run.resolve({ code: report.code, signal: report.signal, aborted: run.aborted, finished: report.finished });
    }
  }

  private settle(id: number, run: Run): void {
    run.cmd.signal.removeEventListener('abort', run.onAbort);
    this.runs.delete(id);
    if (this.runs.size === 0) this.hold(false);
  }

  private lost(child: ChildProcessByStdio<Writable, Readable, null>, message: string): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.buffered = '';
    for (const [id, run] of [...this.runs]) {
      killGroup(run.pid);
      this.settle(id, run);
      run.reject(new Error(message));
    }
  }
}

interface Run {
  cmd: SpawnerCommand;
  resolve: (exit: SpawnerExit) => void;
  reject: (err: Error) => void;
  aborted: boolean;
  pid: number | undefined;
  onAbort: () => void;
}

const shared = new Map<SpawnerKind, Spawner>();

/** `native` falls back to `node` where the native spawner was not built. */
export type SpawnerKind = 'native' | 'node';

/**
 * Create `cmd.workdir`, then run `cmd` in it as `runProcessGroup` does (same guarantees), from the
 * shared spawner process, which also reads the results and removes the work dir. Rejects with a
 * `WorkdirError` when the work dir could not be created, or an `Error` when the process could not
 * be started or the spawner died meanwhile.
 */
export function runFromSpawner(cmd: SpawnerCommand, kind: SpawnerKind = 'native'): Promise<SpawnerExit> {
  let spawner = shared.get(kind);
  if (!spawner) shared.set(kind, (spawner = new Spawner(kind === 'native' ? nativeSpawnerPath() : undefined)));
  return spawner.run(cmd);
}
