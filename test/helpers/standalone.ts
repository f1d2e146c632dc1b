import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../src/async.js';

const BIN = fileURLToPath(new URL('../../bin/drover.js', import.meta.url));

export interface StandaloneProcess {
  url: string;
  child: ChildProcess;
  dataDir: string;
  /** Everything the process wrote to stderr (its JSON log). */
  logs(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit: a crash. */
  kill(): Promise<void>;
}

/** Start `drover run standalone` as a real child process on a free port and a temp data dir. */
export async function startStandalone(
  options: { dataDir?: string; env?: Record<string, string> } = {},
): Promise<StandaloneProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'drover-e2e-'));
  let stderr = '';
  const child = spawn(process.execPath, [BIN, 'run', 'standalone'], {
    cwd: dataDir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      DROVER_COORDINATOR_ADDRESS: '127.0.0.1:0',
      DROVER_DATASTORE_SQLITE_PATH: join(dataDir, 'drover.db'),
      DROVER_LOGGING_FORMAT: 'json',
      DROVER_LOGGING_LEVEL: 'info',
      DROVER_CLI_BANNER_MODE: 'off',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let url: string | undefined;
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`drover exited with ${child.exitCode}: ${stderr}`);
      const line = stderr.split('\n').find((l) => l.includes('"drover listening"'));
      if (line) url = (JSON.parse(line) as { url: string }).url;
      return url;
    },
    { timeoutMs: 20_000, message: 'drover to listen' },
  ).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`${String(err)}\n${stderr}`);
  });
  return {
    url: url!,
    child,
    dataDir,
    logs: () => stderr,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
