import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { newId } from '../../src/model/ids.js';
import type { Task } from '../../src/model/task.js';
import { TaskCancelled } from '../../src/runtime/runtime.js';
import { ShellRuntime, type ShellRuntimeOptions } from '../../src/runtime/shell/runtime.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { failureOf, recorder, runRuntimeContract } from '../contract/runtime.contract.js';

const temp = useTempDir('drover-shell-test-');

runRuntimeContract(
  'shell',
  async () => new ShellRuntime({ logger: silentLogger(), tempDir: temp.path, progressIntervalMs: 20 }),
  {
    leftovers: () => readdir(temp.path),
  },
);

describe('shell runtime', () => {
  let controller: AbortController;
  beforeEach(() => {
    controller = new AbortController();
  });
  afterEach(() => {
    controller.abort(new TaskCancelled());
  });

  const shell = (options: Partial<ShellRuntimeOptions> = {}): ShellRuntime =>
    new ShellRuntime({ logger: silentLogger(), tempDir: temp.path, progressIntervalMs: 20, ...options });
  const task = (fields: Partial<Task>): Task => ({ id: newId(), name: 'shell', ...fields });
  const run = (t: Task, runtime = shell(), rec = recorder()) =>
    runtime.run(t, { signal: controller.signal, io: rec.io });

  const unsupported: Array<[Partial<Task>, string]> = [
    [{ mounts: [{ type: 'volume', target: '/data' }] }, 'mounts are not supported on shell runtime'],
    [{ entrypoint: ['sh', '-c'] }, 'entrypoint is not supported on shell runtime'],
    [{ limits: { cpus: '1' } }, 'limits are not supported on shell runtime'],
    [{ networks: ['net'] }, 'networks are not supported on shell runtime'],
    [{ registry: { username: 'u', password: 'p' } }, 'registry is not supported on shell runtime'],
    [{ cmd: ['echo', 'hi'] }, 'cmd is not supported on shell runtime'],
    [{ sidecars: [{ name: 'db', image: 'postgres' }] }, 'sidecars are not supported on shell runtime'],
    [{ gpus: 'all' }, 'gpus are not supported on shell runtime'],
  ];
  for (const [fields, message] of unsupported) {
    it(`rejects a task with ${Object.keys(fields)[0]}: "${message}"`, async () => {
      const rec = recorder();
      const failure = await failureOf(run(task({ ...fields, run: 'echo ran' }), shell(), rec));
      expect(failure.message).toBe(message);
      expect(rec.output()).toBe('');
    });
  }

  it('rejects an unsupported field in a post task before anything runs', async () => {
    const rec = recorder();
    const failure = await failureOf(
      run(task({ run: 'echo main', post: [{ name: 'q', cmd: ['x'] }] }), shell(), rec),
    );
    expect(failure.message).toBe('post[0]: cmd is not supported on shell runtime');
    expect(rec.output()).toBe('');
  });

  it('ignores image, which job files written for Docker carry', async () => {
    const result = await run(task({ image: 'ubuntu:24.04', run: 'echo -n ran > "$TORK_OUTPUT"' }));
    expect(result.result).toBe('ran');
  });

  const badNames: Array<[string, string]> = [
    ['../escape.txt', 'invalid file name "../escape.txt": must stay inside the working directory'],
    ['a/../../escape.txt', 'invalid file name "a/../../escape.txt": must stay inside the working directory'],
    ['/etc/escape.txt', 'invalid file name "/etc/escape.txt": must be a relative path'],
    ['stdout', 'invalid file name "stdout": the name is reserved'],
    ['', 'invalid file name ""'],
  ];
  for (const [name, message] of badNames) {
    it(`fails a task with the file name ${JSON.stringify(name)}`, async () => {
      const failure = await failureOf(run(task({ files: { [name]: 'x' }, run: 'true' })));
      expect(failure.message).toBe(message);
      expect(await readdir(temp.path)).toEqual([]);
    });
  }

  it('writes files in nested directories, read-only, next to an executable entrypoint', async () => {
    const rec = recorder();
    await run(
      task({
        files: { 'conf/app.ini': 'x=1' },
        run: 'cat conf/app.ini; echo; stat -c %a conf/app.ini entrypoint',
      }),
      shell(),
      rec,
    );
    expect(rec.output()).toBe('x=1\n444\n555\n');
  });

  it('runs in WORKDIR with TORK_OUTPUT and TORK_PROGRESS inside it', async () => {
    const result = await run(
      task({
        run: 'echo -n "$([ "$PWD" = "$WORKDIR" ] && echo cwd)|${TORK_OUTPUT#$WORKDIR}|${TORK_PROGRESS#$WORKDIR}" > "$TORK_OUTPUT"',
      }),
    );
    expect(result.result).toBe('cwd|/stdout|/progress');
  });

  it('passes PATH and HOME from its options, and lets the task override them', async () => {
    const runtime = shell({ hostEnv: { PATH: process.env.PATH!, HOME: '/home/drover-test' } });
    const first = await run(task({ run: 'echo -n "$HOME" > "$TORK_OUTPUT"' }), runtime);
    expect(first.result).toBe('/home/drover-test');
    const second = await run(
      task({ env: { HOME: '/elsewhere' }, run: 'echo -n "$HOME" > "$TORK_OUTPUT"' }),
      runtime,
    );
    expect(second.result).toBe('/elsewhere');
  });

  it('uses the configured command to run the script', async () => {
    const result = await run(task({ run: 'echo -n "$0" > "$TORK_OUTPUT"' }), shell({ cmd: ['sh', '-c'] }));
    expect(result.result).toMatch(/\/entrypoint$/);
  });

  it('fails with a clear message when the command cannot be started', async () => {
    const failure = await failureOf(run(task({ run: 'true' }), shell({ cmd: ['no-such-shell-xyz', '-c'] })));
    expect(failure.message).toBe('error starting no-such-shell-xyz: spawn no-such-shell-xyz ENOENT');
    expect(await readdir(temp.path)).toEqual([]);
  });

  it('names the signal that killed a task', async () => {
    const failure = await failureOf(run(task({ run: 'echo dying; kill -KILL $$' })));
    expect(failure.message).toBe('killed by signal SIGKILL: dying');
    expect(failure.exitCode).toBeUndefined();
  });

  it('fails its health check when the temp dir is missing', async () => {
    await expect(shell({ tempDir: join(temp.path, 'missing') }).healthCheck()).rejects.toThrow(/ENOENT/);
  });

  it('rejects a constructor call without a logger, naming the option', () => {
    expect(() => new ShellRuntime({} as ShellRuntimeOptions)).toThrow(
      'ShellRuntime: option "logger" is required',
    );
  });

  const isRoot = process.getuid?.() === 0;
  it.runIf(isRoot)('runs the task as the configured user and group', async () => {
    const result = await run(
      task({
        files: { 'in.txt': 'read me' },
        run: 'echo -n "$(id -u):$(id -g):$(cat in.txt)" > "$TORK_OUTPUT"; touch made-here',
      }),
      shell({ uid: 65534, gid: 65534 }),
    );
    expect(result.result).toBe('65534:65534:read me');
    expect(await readdir(temp.path)).toEqual([]);
  });
});
