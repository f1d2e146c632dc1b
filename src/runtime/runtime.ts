import type { Task } from '../model/task.js';

/** Where a running task's output goes. */
export interface TaskIO {
  /** Combined stdout/stderr, as it arrives. Must not throw. */
  log(chunk: string): void;
  /** A new value read from `$TORK_PROGRESS` (0–100 after clamping by the caller). */
  progress(value: number): void;
}

export interface RunOptions {
  /** Aborting stops the task at once: the whole process group or the container. */
  signal: AbortSignal;
  io: TaskIO;
}

export interface RunResult {
  /** Content of `$TORK_OUTPUT` (NUL characters removed). */
  result: string;
  exitCode: number;
}

/**
 * Runs one task (its `pre`, the task itself, then its `post`) to completion.
 *
 * Guarantees: resolves with the result on exit code 0; rejects with a `TaskFailure` on a
 * non-zero exit, a timeout or a cancellation, after everything the run started (processes,
 * containers, temporary directories, volumes) is gone.
 * Non-goals: retries and timeouts measured across attempts (the coordinator owns retries;
 * the worker arms the timeout through the signal).
 */
export interface Runtime {
  readonly name: string;
  run(task: Task, options: RunOptions): Promise<RunResult>;
  healthCheck(): Promise<void>;
  close(): Promise<void>;
}

/** Why a run stopped before exiting by itself. */
export type KillReason = 'timeout' | 'cancel' | 'oom';

/** A task that did not succeed. The message is what the user sees in `task.error`. */
export class TaskFailure extends Error {
  readonly exitCode: number | undefined;
  readonly killedBy: KillReason | undefined;
  constructor(message: string, details: { exitCode?: number; killedBy?: KillReason } = {}) {
    super(message);
    this.name = 'TaskFailure';
    this.exitCode = details.exitCode;
    this.killedBy = details.killedBy;
  }
}

/** The abort reasons the worker uses, so the runtime can say why a task stopped. */
export class TaskTimeout extends Error {
  constructor(readonly timeout: string) {
    super(`task timed out after ${timeout}`);
  }
}
export class TaskCancelled extends Error {
  constructor() {
    super('task cancelled');
  }
}
