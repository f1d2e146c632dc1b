import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../src/async.js';
import { newId } from '../../src/model/ids.js';
import type { Task } from '../../src/model/task.js';
import type { RunResult, Runtime, TaskIO } from '../../src/runtime/runtime.js';
import { TaskCancelled, TaskFailure, TaskTimeout } from '../../src/runtime/runtime.js';

export interface RuntimeContractOptions {
  /** Merged into every task (e.g. an `image` for container runtimes). */
  task?: Partial<Task>;
  /** What the runtime left behind (temp dirs, containers, volumes); must be empty after each run. */
  leftovers?: () => Promise<string[]>;
  /** Whether pids printed by a task are host pids that `process.kill(pid, 0)` can probe. @default true */
  hostPids?: boolean;
}

/** Output and progress a run reported, gathered for assertions. */
export interface Recorder {
  io: TaskIO;
  output(): string;
  progress: number[];
}

export function recorder(): Recorder {
  const chunks: string[] = [];
  const progress: number[] = [];
  return {
    io: { log: (chunk) => void chunks.push(chunk), progress: (value) => void progress.push(value) },
    output: () => chunks.join(''),
    progress,
  };
}

/** True while `pid` runs. A zombie (dead, waiting for a parent that never reaps it) counts as gone. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The failure a run rejected with (fails the test when it resolved). */
export async function failureOf(run: Promise<RunResult>): Promise<TaskFailure> {
  const err: unknown = await run.then(
    (result) => new Error(`expected a failure, got ${JSON.stringify(result)}`),
    (e: unknown) => e,
  );
  if (!(err instanceof TaskFailure)) throw err;
  return err;
}

/**
 * The behaviour every `Runtime` shares: the `$TORK_OUTPUT` result, environment, files, exit
 * codes and their messages, timeout and cancellation (with nothing left running), logs,
 * progress, and the pre/main/post sequence.
 */
export function runRuntimeContract(
  name: string,
  create: () => Promise<Runtime>,
  options: RuntimeContractOptions = {},
): void {
  describe(`${name} runtime contract`, () => {
    let runtime: Runtime;
    let controller: AbortController;

    beforeEach(async () => {
      runtime = await create();
      controller = new AbortController();
    });
    afterEach(async () => {
      controller.abort(new TaskCancelled());
      await runtime.close();
    });

    const task = (fields: Partial<Task>): Task => ({
      id: newId(),
      name: 'contract',
      ...options.task,
      ...fields,
    });
    const run = (t: Task, rec = recorder()): Promise<RunResult> =>
      runtime.run(t, { signal: controller.signal, io: rec.io });

    async function expectNoLeftovers(): Promise<void> {
      if (options.leftovers) expect(await options.leftovers()).toEqual([]);
    }

    async function expectGone(pids: number[]): Promise<void> {
      if (options.hostPids === false) return;
      await waitFor(() => pids.every((pid) => !isProcessAlive(pid)), {
        message: `processes ${pids.join(', ')} to end`,
      });
      expect(pids.filter(isProcessAlive)).toEqual([]);
    }

    function pidsIn(output: string): number[] {
      const match = /pids ([\d ]+)/.exec(output);
      if (!match) throw new Error(`no pids in output: ${output}`);
      return match[1]!.trim().split(' ').map(Number);
    }

    it('returns what the task wrote to $TORK_OUTPUT as the result', async () => {
      const result = await run(task({ run: 'echo -n hello > "$TORK_OUTPUT"' }));
      expect(result).toEqual({ result: 'hello', exitCode: 0 });
      await expectNoLeftovers();
    });

    it('keeps a trailing newline in the result and removes NUL characters', async () => {
      const result = await run(task({ run: `printf 'a\\0b\\n' > "$TORK_OUTPUT"` }));
      expect(result.result).toBe('ab\n');
    });

    it('sends standard output to the logs, not to the result', async () => {
      const rec = recorder();
      const result = await run(task({ run: 'echo to-the-log' }), rec);
      expect(result.result).toBe('');
      expect(rec.output()).toBe('to-the-log\n');
    });

    it('sends standard error to the logs', async () => {
      const rec = recorder();
      await run(task({ run: 'echo on-stderr >&2' }), rec);
      expect(rec.output()).toBe('on-stderr\n');
    });

    it('gives the task its env and not the host environment', async () => {
      process.env.DROVER_CONTRACT_HOST_VAR = 'leaked';
      try {
        const result = await run(
          task({
            env: { GREETING: 'hi there' },
            run: 'echo -n "$GREETING|${DROVER_CONTRACT_HOST_VAR:-unset}" > "$TORK_OUTPUT"',
          }),
        );
        expect(result.result).toBe('hi there|unset');
      } finally {
        delete process.env.DROVER_CONTRACT_HOST_VAR;
      }
    });

    it('writes the task files into the working directory', async () => {
      const result = await run(
        task({ files: { 'data.txt': 'file contents' }, run: 'cat data.txt > "$TORK_OUTPUT"' }),
      );
      expect(result.result).toBe('file contents');
    });

    it('fails a non-zero exit with the exit code and the last lines of output', async () => {
      const failure = await failureOf(run(task({ run: 'echo first; echo second; exit 3' })));
      expect(failure.message).toBe('exit code 3: first\nsecond');
      expect(failure.exitCode).toBe(3);
      expect(failure.killedBy).toBeUndefined();
      await expectNoLeftovers();
    });

    it('keeps only the last ten lines of output in the failure message', async () => {
      const failure = await failureOf(run(task({ run: 'seq 1 15; exit 2' })));
      expect(failure.message).toBe('exit code 2: 6\n7\n8\n9\n10\n11\n12\n13\n14\n15');
    });

    it('says only the exit code when the task printed nothing', async () => {
      const failure = await failureOf(run(task({ run: 'exit 1' })));
      expect(failure.message).toBe('exit code 1');
    });

    it('stops a task whose timeout fired and reports the timeout', async () => {
      const rec = recorder();
      const running = run(task({ run: 'sleep 100 & echo "pids $$ $!"; wait' }), rec);
      await waitFor(() => rec.output().includes('pids'), { message: 'the task to start' });
      controller.abort(new TaskTimeout('250ms'));
      const failure = await failureOf(running);
      expect(failure.message).toBe('task timed out after 250ms');
      expect(failure.killedBy).toBe('timeout');
      expect(failure.exitCode).toBeUndefined();
      await expectGone(pidsIn(rec.output()));
      await expectNoLeftovers();
    });

    it('stops a cancelled task and every process it started', async () => {
      const rec = recorder();
      const running = run(task({ run: 'sleep 100 & sleep 101 & echo "pids $$ $!"; wait' }), rec);
      await waitFor(() => rec.output().includes('pids'), { message: 'the task to start' });
      controller.abort(new TaskCancelled());
      const failure = await failureOf(running);
      expect(failure.message).toBe('task cancelled');
      expect(failure.killedBy).toBe('cancel');
      await expectGone(pidsIn(rec.output()));
      await expectNoLeftovers();
    });

    it('does not start a task whose signal is already aborted', async () => {
      controller.abort(new TaskCancelled());
      const rec = recorder();
      const failure = await failureOf(run(task({ run: 'echo started' }), rec));
      expect(failure.message).toBe('task cancelled');
      expect(rec.output()).toBe('');
    });

    it('leaves no background process behind when the task exits by itself', async () => {
      const rec = recorder();
      const result = await run(
        task({ run: 'sleep 100 & echo "pids $!"; echo -n done > "$TORK_OUTPUT"' }),
        rec,
      );
      expect(result.result).toBe('done');
      await expectGone(pidsIn(rec.output()));
    });

    it('reports progress written while the task runs', async () => {
      const rec = recorder();
      const running = run(task({ run: 'echo 25 > "$TORK_PROGRESS"; echo waiting; exec sleep 100' }), rec);
      await waitFor(() => rec.progress.includes(25), { message: 'progress 25' });
      controller.abort(new TaskCancelled());
      await failureOf(running);
      expect(rec.progress).toEqual([25]);
    });

    it('reports progress written just before the task exits', async () => {
      const rec = recorder();
      await run(task({ run: 'echo 75.5 > "$TORK_PROGRESS"' }), rec);
      expect(rec.progress).toEqual([75.5]);
    });

    it('ignores progress that is not a number', async () => {
      const rec = recorder();
      const result = await run(
        task({ run: 'echo lots > "$TORK_PROGRESS"; echo -n ok > "$TORK_OUTPUT"' }),
        rec,
      );
      expect(result.result).toBe('ok');
      expect(rec.progress).toEqual([]);
    });

    it('runs pre, the task, then post, and returns only the main output', async () => {
      const rec = recorder();
      const result = await run(
        task({
          pre: [
            { name: 'p1', run: 'echo pre-1; echo -n pre > "$TORK_OUTPUT"' },
            { name: 'p2', run: 'echo pre-2' },
          ],
          run: 'echo main; echo -n main-result > "$TORK_OUTPUT"',
          post: [{ name: 'after', run: 'echo post; echo -n post > "$TORK_OUTPUT"' }],
        }),
        rec,
      );
      expect(rec.output()).toBe('pre-1\npre-2\nmain\npost\n');
      expect(result.result).toBe('main-result');
      await expectNoLeftovers();
    });

    it('stops at a failed pre task', async () => {
      const rec = recorder();
      const failure = await failureOf(
        run(
          task({
            pre: [{ name: 'p', run: 'echo pre broke; exit 4' }],
            run: 'echo main',
            post: [{ name: 'q', run: 'echo post' }],
          }),
          rec,
        ),
      );
      expect(failure.message).toBe('exit code 4: pre broke');
      expect(rec.output()).toBe('pre broke\n');
      await expectNoLeftovers();
    });

    it('does not run post after the main task failed', async () => {
      const rec = recorder();
      const failure = await failureOf(
        run(task({ run: 'echo main broke; exit 5', post: [{ name: 'q', run: 'echo post' }] }), rec),
      );
      expect(failure.message).toBe('exit code 5: main broke');
      expect(rec.output()).toBe('main broke\n');
    });

    it('fails the task when a post task fails', async () => {
      const failure = await failureOf(
        run(task({ run: 'echo -n fine > "$TORK_OUTPUT"', post: [{ name: 'q', run: 'exit 6' }] })),
      );
      expect(failure.message).toBe('exit code 6');
      expect(failure.exitCode).toBe(6);
      await expectNoLeftovers();
    });

    it('answers its health check', async () => {
      await expect(runtime.healthCheck()).resolves.toBeUndefined();
    });
  });
}
