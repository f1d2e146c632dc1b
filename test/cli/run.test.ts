import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { ensureBuilt, startDrover, waitForStderr, type RunOptions } from './drover.js';

describe('drover run', () => {
  let root: string;
  let options: RunOptions;
  let running: Array<ReturnType<typeof startDrover>>;

  beforeAll(() => ensureBuilt(), 120_000);
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'drover-run-'));
    options = {
      cwd: join(root, 'work'),
      home: join(root, 'home'),
      env: {
        DROVER_COORDINATOR_ADDRESS: '127.0.0.1:0',
        DROVER_DATASTORE_SQLITE_PATH: join(root, 'drover.db'),
      },
    };
    mkdirSync(options.cwd);
    mkdirSync(options.home);
    running = [];
  });
  afterEach(async () => {
    for (const { child, exited } of running) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  });

  function start(mode: string): ReturnType<typeof startDrover> {
    const handle = startDrover(['run', mode], options);
    running.push(handle);
    return handle;
  }

  it('prints the banner, runs until SIGTERM, then shuts down and exits 0', async () => {
    const drover = start('worker');
    await waitForStderr(drover, '"msg":"engine started"');
    expect(drover.output.stdout).toBe(`Drover ${VERSION} · worker\n`);

    drover.child.kill('SIGTERM');
    const result = await drover.exited;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('"msg":"shutting down"');
    expect(result.stderr).toContain('"msg":"stopped"');
  });

  it('starts standalone with the HTTP API and shuts down on SIGINT', async () => {
    const drover = start('standalone');
    await waitForStderr(drover, '"msg":"engine started"');
    const started = drover.output.stderr
      .split('\n')
      .map((line) => (line.startsWith('{') ? (JSON.parse(line) as { msg: string; url?: string }) : undefined))
      .find((entry) => entry?.msg === 'engine started');
    expect(started?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    drover.child.kill('SIGINT');
    const result = await drover.exited;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('"signal":"SIGINT"');
  });

  it('logs the banner instead of printing it when cli.banner.mode is log', async () => {
    options.env = { ...options.env, DROVER_CLI_BANNER_MODE: 'log' };
    const drover = start('worker');
    await waitForStderr(drover, '"msg":"engine started"');
    drover.child.kill('SIGTERM');
    const result = await drover.exited;
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('"msg":"drover starting"');
  });
});
