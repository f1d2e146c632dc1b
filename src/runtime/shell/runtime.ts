import { access, constants } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Logger } from '../../logger.js';
import type { Task } from '../../model/task.js';
import {
  TaskFailure,
  TaskTimeout,
  type RunOptions,
  type RunResult,
  type Runtime,
  type TaskIO,
} from '../runtime.js';
import { runProcessGroup } from './process-group.js';
import { ProgressPoller } from '../progress.js';
import { runFromSpawner, WorkdirError, type SpawnerExit, type SpawnerKind } from './spawner.js';
import {
  checkFileName,
  createWorkdir,
  planWorkdir,
  readIfWritten,
  removeWorkdir,
  type PlannedWorkdir,
  type Workdir,
} from './workdir.js';

export interface ShellRuntimeOptions {
  logger: Logger;
  /** The command a task's script is given to, as `<cmd…> <dir>/entrypoint`. @default ['bash', '-c'] */
  cmd?: string[];
  /** Run tasks as this user id (the worker must be root). @default the worker's own */
  uid?: number;
  /** Run tasks with this group id. @default the worker's own */
  gid?: number;
  /** How often `$TORK_PROGRESS` is read while the task runs. @default 1000 */
  progressIntervalMs?: number;
  /**
   * Where the per-process work dirs are created. With `uid`, that user must be able to reach
   * it (search permission on every parent), as it can `/tmp`. @default os.tmpdir()
   */
  tempDir?: string;
  /**
   * `PATH` and `HOME` handed to every task (the rest of the worker's environment is not).
   * @default the worker process's own `PATH` and `HOME`
   */
  hostEnv?: { PATH?: string; HOME?: string };
  /**
   * Start processes from a small helper process (spawner.ts) rather than from this one, whose
   * event loop each fork would otherwise block for milliseconds: the native spawner where
   * `npm run build` could compile it, else a Node.js one. `'node'` insists on the Node.js one.
   * @default true
   */
  spawner?: boolean | 'node';
}

/** Fields a shell task cannot honour, with the word that agrees with each name. */
const UNSUPPORTED: ReadonlyArray<[keyof Task & string, 'is' | 'are', (task: Task) => boolean]> = [
  ['mounts', 'are', (t) => (t.mounts?.length ?? 0) > 0],
  ['entrypoint', 'is', (t) => (t.entrypoint?.length ?? 0) > 0],
  ['limits', 'are', (t) => Boolean(t.limits?.cpus || t.limits?.memory)],
  ['networks', 'are', (t) => (t.networks?.length ?? 0) > 0],
  ['registry', 'is', (t) => t.registry !== undefined],
  ['cmd', 'is', (t) => (t.cmd?.length ?? 0) > 0],
  ['sidecars', 'are', (t) => (t.sidecars?.length ?? 0) > 0],
  ['gpus', 'are', (t) => Boolean(t.gpus)],
];

const TAIL_LINES = 10;
const TAIL_KEEP_CHARS = 8192;

/**
 * Runs tasks as host processes: each of `pre`, the task and `post` runs `<cmd…> entrypoint` in
 * its own temporary directory, as the leader of its own process group, with only the task's
 * `env` plus `TORK_OUTPUT`, `TORK_PROGRESS`, `WORKDIR`, `PATH` and `HOME`.
 *
 * Differences from Tork's shell runtime:
 * - `image` is ignored (with a debug log) rather than rejected: job files written for Docker
 *   nearly always carry one;
 * - cancellation, timeout and the end of the task kill the whole process group, so nothing a
 *   task started in the background survives it;
 * - a non-zero exit reads `exit code <n>: <last lines of output>`;
 * - a task's `env` may override `PATH` and `HOME`;
 * - `files` names that would escape the work dir, or clobber `stdout`, `progress` or
 *   `entrypoint`, fail the task before anything runs.
 */
export class ShellRuntime implements Runtime {
  readonly name = 'shell';
  private readonly logger: Logger;
  private readonly cmd: [string, ...string[]];
  private readonly uid: number | undefined;
  private readonly gid: number | undefined;
  private readonly progressIntervalMs: number;
  private readonly tempDir: string;
  private readonly hostEnv: Record<string, string>;
  private readonly useSpawner: boolean;
  private readonly spawnerKind: SpawnerKind;

  constructor(options: ShellRuntimeOptions) {
    if (!options?.logger) throw new Error('ShellRuntime: option "logger" is required');
    const [command, ...args] = options.cmd ?? ['bash', '-c'];
    if (!command) throw new Error('ShellRuntime: option "cmd" must name a command');
    this.cmd = [command, ...args];
    this.logger = options.logger.child({ component: 'runtime', runtime: 'shell' });
    this.uid = options.uid;
    this.gid = options.gid;
    this.progressIntervalMs = options.progressIntervalMs ?? 1000;
    this.tempDir = options.tempDir ?? tmpdir();
    this.useSpawner = options.spawner !== false;
    this.spawnerKind = options.spawner === 'node' ? 'node' : 'native';
    const host = options.hostEnv ?? { PATH: process.env.PATH, HOME: process.env.HOME };
    this.hostEnv = {};
    if (host.PATH !== undefined) this.hostEnv.PATH = host.PATH;
    if (host.HOME !== undefined) this.hostEnv.HOME = host.HOME;
  }

  async run(task: Task, { signal, io }: RunOptions): Promise<RunResult> {
    this.checkTask(task);
    for (const pre of task.pre ?? []) await this.runStep(pre, signal, io, false);
    const result = await this.runStep(task, signal, io, true);
    for (const post of task.post ?? []) await this.runStep(post, signal, io, false);
    return { result, exitCode: 0 };
  }

  /** Fails when the temp dir cannot be written (a full or read-only disk stops every task). */
  async healthCheck(): Promise<void> {
    await access(this.tempDir, constants.W_OK);
  }

  /** Nothing to release: every run cleans up after itself. */
  async close(): Promise<void> {}

  /** Reject everything the shell cannot do before any step runs. */
  private checkTask(task: Task): void {
    const steps: Array<[string, Task]> = [['', task]];
    task.pre?.forEach((t, i) => steps.push([`pre[${i}]: `, t]));
    task.post?.forEach((t, i) => steps.push([`post[${i}]: `, t]));
    for (const [where, step] of steps) {
      for (const [field, verb, isSet] of UNSUPPORTED) {
        if (isSet(step)) throw new TaskFailure(`${where}${field} ${verb} not supported on shell runtime`);
      }
      for (const name of Object.keys(step.files ?? {})) {
        const problem = checkFileName(name);
        if (problem) throw new TaskFailure(`${where}${problem}`);
      }
      if (step.image)
        this.logger.debug({ taskId: task.id, image: step.image }, 'image ignored by the shell runtime');
    }
  }

  /** Run one process in its own work dir; resolves with its `$TORK_OUTPUT` (main step only). */
  private async runStep(step: Task, signal: AbortSignal, io: TaskIO, isMain: boolean): Promise<string> {
    if (signal.aborted) throw abortFailure(signal.reason);
    const owner = { uid: this.uid, gid: this.gid };
    // With a spawner, the work dir is created, read and removed there, off this event loop.
    const workdir = this.useSpawner
      ? planWorkdir(this.tempDir, step.run ?? '', step.files, isMain)
      : createWorkdir(this.tempDir, step.run ?? '', step.files, owner);
    let finished: SpawnerExit['finished'];
    try {
      const tail = new OutputTail();
      const progress = isMain
        ? new ProgressPoller(
            () => readIfWritten(workdir.progressPath),
            this.progressIntervalMs,
            (v) => io.progress(v),
            this.logger,
          )
        : undefined;
      let exit: SpawnerExit | undefined;
      try {
        exit = await this.startProcess(step, workdir, signal, (chunk) => {
          tail.push(chunk);
          io.log(chunk);
        });
        finished = exit.finished;
      } finally {
        // The spawner read the progress file one last time before it removed the work dir.
        await (finished ? progress?.stopWith(finished.progress) : progress?.stop());
      }
      if (exit.aborted) throw abortFailure(signal.reason);
      if (exit.code !== 0) throw exitFailure(exit, tail.text());
      if (!isMain) return '';
      const output = finished ? finished.output : await readIfWritten(workdir.outputPath);
      return (output ?? '').replaceAll('\0', '');
    } finally {
      if (!finished) await removeWorkdir(workdir);
    }
  }

  private async startProcess(
    step: Task,
    workdir: Workdir | PlannedWorkdir,
    signal: AbortSignal,
    onOutput: (chunk: string) => void,
  ): Promise<SpawnerExit> {
    const command = {
      command: this.cmd[0],
      args: [...this.cmd.slice(1), workdir.entrypointPath],
      // The runtime's own variables come last: a task cannot point them elsewhere.
      env: {
        ...this.hostEnv,
        ...step.env,
        TORK_OUTPUT: workdir.outputPath,
        TORK_PROGRESS: workdir.progressPath,
        WORKDIR: workdir.dir,
      },
      uid: this.uid,
      gid: this.gid,
      signal,
      onOutput,
    };
    try {
      return 'readResults' in workdir
        ? await runFromSpawner({ ...command, workdir }, this.spawnerKind)
        : await runProcessGroup({ ...command, cwd: workdir.dir });
    } catch (err) {
      // A work dir that cannot be created is the machine's problem, as it is without a spawner.
      if (err instanceof WorkdirError) throw new Error(err.message);
      throw new TaskFailure(`error starting ${this.cmd[0]}: ${(err as Error).message}`);
    }
  }
}

function abortFailure(reason: unknown): TaskFailure {
  if (reason instanceof TaskTimeout) {
    return new TaskFailure(`task timed out after ${reason.timeout}`, { killedBy: 'timeout' });
  }
  return new TaskFailure('task cancelled', { killedBy: 'cancel' });
}

function exitFailure(exit: SpawnerExit, tail: string): TaskFailure {
  const output = tail ? `: ${tail}` : '';
  if (exit.code !== null) return new TaskFailure(`exit code ${exit.code}${output}`, { exitCode: exit.code });
  return new TaskFailure(`killed by signal ${exit.signal ?? 'unknown'}${output}`);
}

/** The last lines of a process's output, for the failure message. */
class OutputTail {
  private buffer = '';

  push(chunk: string): void {
    this.buffer += chunk;
    if (this.buffer.length > 2 * TAIL_KEEP_CHARS) this.buffer = this.buffer.slice(-TAIL_KEEP_CHARS);
  }

  text(): string {
    return this.buffer.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
  }
}
