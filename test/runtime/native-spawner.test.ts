import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { newId } from '../../src/model/ids.js';
import type { Task } from '../../src/model/task.js';
import { encodeNativeRequest, nativeSpawnerPath } from '../../src/runtime/shell/native-spawner.js';
import { ShellRuntime } from '../../src/runtime/shell/runtime.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { failureOf, recorder } from '../contract/runtime.contract.js';

// The runtime contract runs against the native spawner in shell.test.ts (the default spawner);
// these are the parts of it that only the native program can get wrong: its request encoding
// and its own UTF-8 handling of output.

const temp = useTempDir('drover-native-spawner-test-');

const hasCompiler = spawnSync(process.env.CC || 'cc', ['--version'], { stdio: 'ignore' }).status === 0;

/** The pids of this process's children running the native spawner. */
function nativeSpawners(): number[] {
  const found: number[] = [];
  for (const tid of readdirSync(`/proc/${process.pid}/task`)) {
    for (const pid of readFileSync(`/proc/${process.pid}/task/${tid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number)) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(nativeSpawnerPath() ?? '\0')) found.push(pid);
      } catch {
        // exited meanwhile
      }
    }
  }
  return found;
}

describe('native spawner', () => {
  const shell = () => new ShellRuntime({ logger: silentLogger(), tempDir: temp.path, progressIntervalMs: 20 });
  const run = (task: Partial<Task>, rec = recorder()) =>
    shell().run({ id: newId(), name: 'native', ...task }, { signal: new AbortController().signal, io: rec.io });

  it('is built wherever the build found a C compiler, and runs the shell tasks', async () => {
    // A build with a compiler that did not produce it would leave every worker on the slow path.
    expect(nativeSpawnerPath() !== undefined).toBe(hasCompiler && process.platform === 'linux');
    if (!nativeSpawnerPath()) return;
    const result = await run({ run: 'echo -n "$PPID" > "$TORK_OUTPUT"' });
    expect(nativeSpawners()).toContain(Number(result.result));
  });

  it('passes tabs, newlines, backslashes and non-ASCII text through env, script and files intact', async () => {
    const tricky = 'a\tb\nc\\d\\te ünï €';
    const result = await run({
      run: `# ${tricky}\nprintf '%s|' "$TRICKY" > "$TORK_OUTPUT"; cat 'my file' sub/dir/x >> "$TORK_OUTPUT"`,
      env: { TRICKY: tricky },
      files: { 'my file': tricky, 'sub/dir/x': `|${tricky}` },
    });
    expect(result.result).toBe(`${tricky}|${tricky}|${tricky}`);
    expect(await readdir(temp.path)).toEqual([]);
  });

  it('keeps a character whose bytes come in two writes whole, and replaces invalid bytes', async () => {
    const rec = recorder();
    // The euro sign's 3 bytes, split across two writes with a pause between them.
    await run({ run: `printf '\\342\\202'; sleep 0.1; printf '\\254\\n'; printf 'bad \\377 byte\\n' >&2` }, rec);
    expect(rec.output()).toContain('€\n');
    expect(rec.output()).toContain('bad \ufffd byte\n');
  });

  it('reports a command that cannot be started as Node.js does', async () => {
    const runtime = new ShellRuntime({ logger: silentLogger(), tempDir: temp.path, cmd: ['no-such-shell-native'] });
    const failure = await failureOf(runtime.run({ id: newId(), name: 'x', run: 'true' }, { signal: new AbortController().signal, io: recorder().io }));
    expect(failure.message).toBe('error starting no-such-shell-native: spawn no-such-shell-native ENOENT');
    expect(await readdir(temp.path)).toEqual([]);
  });

  it('reports a work dir it cannot create as a machine error, not a task failure', async () => {
    const runtime = new ShellRuntime({ logger: silentLogger(), tempDir: join(temp.path, 'missing', 'deeper') });
    const err = await runtime.run({ id: newId(), name: 'x', run: 'true' }, { signal: new AbortController().signal, io: recorder().io }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^ENOENT: no such file or directory, mkdir '.*drover-/);
  });

  it('encodes one request per line, escaping only what would split it', () => {
    const line = encodeNativeRequest({
      op: 'run',
      id: 7,
      command: 'bash',
      args: ['-c', 'x\ty'],
      env: { A: 'new\nline', B: 'back\\slash' },
      workdir: {
        dir: '/t/d',
        outputPath: '/t/d/stdout',
        progressPath: '/t/d/progress',
        entrypointPath: '/t/d/entrypoint',
        names: ['stdout', 'progress', 'entrypoint', 'f'],
        run: 'nul\0here',
        files: { f: 'one', './sub/../g/h': 'two' },
        readResults: true,
      },
    });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toMatch(/\n/);
    expect(line.split('\t')).toEqual([
      'run', '7', 'bash', '2', '-c', 'x\\ty', '2', 'A=new\\nline', 'B=back\\\\slash', '', '',
      '/t/d', '/t/d/stdout', '/t/d/progress', '/t/d/entrypoint', 'nul\\0here',
      '2', '/t/d/f', 'one', '0', '/t/d/g/h', 'two', '1',
      '4', 'stdout', 'progress', 'entrypoint', 'f', '1\n',
    ]);
    expect(encodeNativeRequest({ op: 'kill', id: 9 })).toBe('kill\t9\n');
  });
});
