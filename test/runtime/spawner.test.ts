import { readFileSync, readdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../src/async.js';
import { silentLogger } from '../../src/logger.js';
import { newId } from '../../src/model/ids.js';
import type { Task } from '../../src/model/task.js';
import { nativeSpawnerPath } from '../../src/runtime/shell/native-spawner.js';
import { ShellRuntime } from '../../src/runtime/shell/runtime.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { failureOf, isProcessAlive, recorder, runRuntimeContract } from '../contract/runtime.contract.js';

const temp = useTempDir('drover-spawner-test-');

// The shell runtime starts processes from a spawner process by default (the native one where it
// was built: see native-spawner.test.ts); the same contract holds with the Node.js spawner, and
// when it starts them itself.
runRuntimeContract(
  'shell with the Node.js spawner',
  async () => new ShellRuntime({ logger: silentLogger(), tempDir: temp.path, progressIntervalMs: 20, spawner: 'node' }),
  { leftovers: () => readdir(temp.path) },
);

runRuntimeContract(
  'shell without a spawner',
  async () => new ShellRuntime({ logger: silentLogger(), tempDir: temp.path, progressIntervalMs: 20, spawner: false }),
  { leftovers: () => readdir(temp.path) },
);

/** The default spawner: the child of this process running the native spawner where built, else `spawnerMain`. */
function spawnerPid(): number | undefined {
  for (const tid of readdirSync(`/proc/${process.pid}/task`)) {
    const children = readFileSync(`/proc/${process.pid}/task/${tid}/children`, 'utf8').split(/\s+/).filter(Boolean);
    for (const pid of children.map(Number)) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(nativeSpawnerPath() ?? 'spawnerMain')) return pid;
      } catch {
        // exited meanwhile
      }
    }
  }
  return undefined;
}

describe('shell runtime spawner', () => {
  const shell = () => new ShellRuntime({ logger: silentLogger(), tempDir: temp.path, progressIntervalMs: 20 });
  const task = (run: string): Task => ({ id: newId(), name: 'spawned', run });

  it('starts task processes from a helper process, not from the engine', async () => {
    const result = await shell().run(task('echo -n "$PPID" > "$TORK_OUTPUT"'), {
      signal: new AbortController().signal,
      io: recorder().io,
    });
    const parent = Number(result.result);
    expect(parent).not.toBe(process.pid);
    expect(parent).toBe(spawnerPid());
  });

  it('reports output, progress and the result read by the spawner, and leaves no work dir', async () => {
    const rec = recorder();
    const result = await shell().run(task('echo hello; echo 42 > "$TORK_PROGRESS"; echo -n done > "$TORK_OUTPUT"'), {
      signal: new AbortController().signal,
      io: rec.io,
    });
    expect(result).toEqual({ result: 'done', exitCode: 0 });
    expect(rec.output()).toBe('hello\n');
    expect(rec.progress).toEqual([42]);
    expect(await readdir(temp.path)).toEqual([]);
  });

  it('fails the running task when the spawner dies, kills its processes, and starts a new spawner for the next', async () => {
    const runtime = shell();
    await runtime.run(task('true'), { signal: new AbortController().signal, io: recorder().io });
    const first = spawnerPid()!;
    const rec = recorder();
    const running = runtime.run(task('echo $$; sleep 30'), { signal: new AbortController().signal, io: rec.io });
    const leader = await waitFor(() => Number(rec.output().trim()) || undefined, { message: 'the task to print its pid' });
    process.kill(first, 'SIGKILL');
    const failure = await failureOf(running);
    expect(failure.message).toBe('error starting bash: the shell spawner exited (SIGKILL)');
    await waitFor(() => !isProcessAlive(leader), { message: 'the task process to be killed' });
    expect(await readdir(temp.path)).toEqual([]);

    const next = await runtime.run(task('echo -n again > "$TORK_OUTPUT"'), { signal: new AbortController().signal, io: recorder().io });
    expect(next.result).toBe('again');
    expect(spawnerPid()).not.toBe(first);
  });
});
