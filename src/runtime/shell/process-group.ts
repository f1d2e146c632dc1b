import { spawn } from 'node:child_process';

/**
 * Running one command as the leader of its own process group, so that everything it starts
 * (pipelines, `cmd &` children) can be stopped with one signal to the group.
 */

export interface GroupCommand {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  uid?: number;
  gid?: number;
  /** Aborting kills the whole group with SIGKILL. */
  signal: AbortSignal;
  /** Combined stdout/stderr text, in arrival order. Must not throw. */
  onOutput: (chunk: string) => void;
}

export interface GroupExit {
  /** Exit code, or null when the leader was killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when `signal` aborted before the leader exited by itself. */
  aborted: boolean;
}

/**
 * How long to keep reading output after the leader exited and its group was killed. Only a
 * process that left the group (setsid) can still hold the pipes open; we stop waiting for it.
 */
const DRAIN_LIMIT_MS = 2000;

/**
 * Start `command` in a new process group and resolve when it has exited, its group has been
 * killed and its output has been read. Rejects only when the process could not be started.
 */
export function runProcessGroup(cmd: GroupCommand): Promise<GroupExit> {
  if (cmd.signal.aborted) return Promise.resolve({ code: null, signal: null, aborted: true });
  return new Promise<GroupExit>((resolve, reject) => {
    const child = spawn(cmd.command, cmd.args, {
      cwd: cmd.cwd,
      env: cmd.env,
      uid: cmd.uid,
      gid: cmd.gid,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let aborted = false;
    let exit: GroupExit | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      aborted = true;
      killGroup(child.pid);
    };
    const finish = (): void => {
      cmd.signal.removeEventListener('abort', onAbort);
      clearTimeout(drainTimer);
    };
    cmd.signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8').on('data', cmd.onOutput);
    child.stderr.setEncoding('utf8').on('data', cmd.onOutput);
    child.once('error', (err) => {
      // 'error' after a successful start would come from signalling; we signal by pid instead.
      if (exit) return;
      finish();
      reject(err);
    });
    child.once('exit', (code, signal) => {
      exit = { code, signal, aborted };
      // Nothing the task started may outlive it, even when the leader exited normally.
      killGroup(child.pid);
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, DRAIN_LIMIT_MS);
    });
    child.once('close', () => {
      finish();
      if (exit) resolve(exit);
    });
  });
}

/** SIGKILL every process in the group led by `pid`. */
export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is already empty. EPERM: the group is gone and its id now belongs to
    // another user's process. Either way nothing of ours is left to stop.
  }
}
