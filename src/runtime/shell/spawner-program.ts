/**
 * The program of the spawner process (spawner.ts starts it as `node -e`). For each run it
 * creates the work dir (as workdir.ts `createWorkdir` does), starts the process as the leader of
 * its own process group, relays its output, kills the group when the leader exits or when asked,
 * reads the results and removes the work dir (as `readIfWritten` and `removeWorkdir` do), and
 * reports the exit. One JSON object per line each way. Its file system calls are synchronous:
 * this process has nothing else to do meanwhile, and no other thread of it holds a file open
 * when it forks (see workdir.ts on "Text file busy").
 *
 * Danger: this function is sent as source text, so it must stay self-contained: no imports, no
 * references to anything outside its body, only `require` of Node's built-in modules.
 */
import type * as ChildProcesses from 'node:child_process';
import type * as FileSystem from 'node:fs';
import type * as Path from 'node:path';
import type * as ReadLine from 'node:readline';
import type { Readable } from 'node:stream';
import type { PlannedWorkdir } from './workdir.js';

/** Requests: `run` a command (in a work dir to create first), `kill` a run's process group. */
export type SpawnerRequest =
  | {
      op: 'run';
      id: number;
      command: string;
      args: string[];
      env: Record<string, string>;
      uid?: number;
      gid?: number;
      workdir: PlannedWorkdir;
    }
  | { op: 'kill'; id: number };

/** Reports: the leader's pid, output, a failure to start, or the exit once the output is drained. */
export type SpawnerReport =
  | { ev: 'pid'; id: number; pid: number }
  /** `pid`: on the first output of a run whose pid was not reported yet. */
  | { ev: 'out'; id: number; data: string; pid?: number }
  /** `workdir`: the work dir could not be created; `spawn`: the process could not be started. */
  | { ev: 'error'; id: number; stage: 'workdir' | 'spawn'; message: string }
  | {
      ev: 'exit';
      id: number;
      code: number | null;
      signal: NodeJS.Signals | null;
      /** Absent when the results could not be read: the engine then reads and removes the work dir. */
      finished?: { output: string | null; progress: string | null };
    };

export function spawnerMain(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { spawn } = require('node:child_process') as typeof ChildProcesses;
  const fs = require('node:fs') as typeof FileSystem;
  const path = require('node:path') as typeof Path;
  const { createInterface } = require('node:readline') as typeof ReadLine;
  /* eslint-enable @typescript-eslint/no-require-imports */
  // See process-group.ts: how long output is still read after the leader exited.
  const DRAIN_LIMIT_MS = 2000;
  const PID_REPORT_DELAY_MS = 20;
  const pids = new Map<number, number>();

  const send = (report: SpawnerReport): void => {
    process.stdout.write(`${JSON.stringify(report)}\n`);
  };
  const killGroup = (pid: number | undefined): void => {
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };

  const createWorkdir = (w: PlannedWorkdir, uid: number | undefined, gid: number | undefined): void => {
    fs.mkdirSync(w.dir, { mode: 0o700 });
    try {
      fs.closeSync(fs.openSync(w.outputPath, 'w', 0o606));
      fs.closeSync(fs.openSync(w.progressPath, 'w', 0o606));
      fs.writeFileSync(w.entrypointPath, w.run, { mode: 0o555 });
      for (const [name, contents] of Object.entries(w.files ?? {})) {
        const file = path.join(w.dir, path.normalize(name));
        if (path.normalize(name).includes(path.sep)) fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, contents, { mode: 0o444 });
      }
      if (uid !== undefined || gid !== undefined) {
        for (const p of [w.dir, w.outputPath, w.progressPath]) fs.chownSync(p, uid ?? -1, gid ?? -1);
      }
    } catch (err) {
      fs.rmSync(w.dir, { recursive: true, force: true });
      throw err;
    }
  };
  // '' without opening an empty file, null when it is gone.
  const readIfWritten = (file: string | undefined): string | null => {
    if (file === undefined) return null;
    try {
      return fs.statSync(file).size === 0 ? '' : fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  };
  const finish = (w: PlannedWorkdir): { output: string | null; progress: string | null } => {
    const files = {
      output: readIfWritten(w.readResults ? w.outputPath : undefined),
      progress: readIfWritten(w.readResults ? w.progressPath : undefined),
    };
    try {
      for (const name of w.names) fs.unlinkSync(path.join(w.dir, name));
      fs.rmdirSync(w.dir);
    } catch {
      fs.rmSync(w.dir, { recursive: true, force: true, maxRetries: 2 });
    }
    return files;
  };

  const run = (req: Extract<SpawnerRequest, { op: 'run' }>): void => {
    const { id, workdir } = req;
    try {
      createWorkdir(workdir, req.uid, req.gid);
    } catch (err) {
      send({ ev: 'error', id, stage: 'workdir', message: (err as Error).message });
      return;
    }
    let child: ChildProcesses.ChildProcessByStdio<null, Readable, Readable>;
    try {
      child = spawn(req.command, req.args, {
        cwd: workdir.dir,
        env: req.env,
        uid: req.uid,
        gid: req.gid,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      send({ ev: 'error', id, stage: 'spawn', message: (err as Error).message });
      return;
    }
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let pidTimer: NodeJS.Timeout | undefined;
    // The engine needs the pid only to kill the group should this process die: it goes with the
    // first output, or a moment after the start. Most tasks are over by then: one message fewer.
    let unreportedPid = child.pid;
    if (child.pid !== undefined) {
      pids.set(id, child.pid);
      pidTimer = setTimeout(() => {
        if (unreportedPid !== undefined) send({ ev: 'pid', id, pid: unreportedPid });
        unreportedPid = undefined;
      }, PID_REPORT_DELAY_MS);
    }
    const relay = (data: string): void => {
      send(unreportedPid === undefined ? { ev: 'out', id, data } : { ev: 'out', id, data, pid: unreportedPid });
      unreportedPid = undefined;
    };
    child.stdout.setEncoding('utf8').on('data', relay);
    child.stderr.setEncoding('utf8').on('data', relay);
    child.once('error', (err) => {
      if (exit) return;
      pids.delete(id);
      send({ ev: 'error', id, stage: 'spawn', message: err.message });
    });
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      killGroup(child.pid);
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, DRAIN_LIMIT_MS);
    });
    child.once('close', () => {
      clearTimeout(drainTimer);
      clearTimeout(pidTimer);
      pids.delete(id);
      if (!exit) return;
      const report: SpawnerReport = { ev: 'exit', id, code: exit.code, signal: exit.signal };
      try {
        report.finished = finish(workdir);
      } catch {
        // The engine's own attempt meets the same error and reports it.
      }
      send(report);
    });
  };

  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const req = JSON.parse(line) as SpawnerRequest;
    if (req.op === 'run') run(req);
    else killGroup(pids.get(req.id));
  });
  // The engine went away (closed us, or died): nothing we started may outlive it.
  lines.on('close', () => {
    for (const pid of pids.values()) killGroup(pid);
    process.exit(0);
  });
}
