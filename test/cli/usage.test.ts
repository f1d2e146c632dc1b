import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { ensureBuilt, runDrover, type RunOptions } from './drover.js';

describe('drover command line', () => {
  let root: string;
  let options: RunOptions;

  beforeAll(() => ensureBuilt(), 120_000);
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'drover-cli-'));
    options = { cwd: join(root, 'work'), home: join(root, 'home') };
    mkdirSync(options.cwd);
    mkdirSync(options.home);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('prints usage listing every command for --help and exits 0', async () => {
    const result = await runDrover(['--help'], options);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: drover [options] [command]');
    for (const command of ['run [mode]', 'migration', 'health [options]', 'help [command]']) {
      expect(result.stdout).toContain(command);
    }
  });

  it('prints help for each command', async () => {
    for (const command of ['run', 'migration', 'health']) {
      const result = await runDrover([command, '--help'], options);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: drover ${command} [options]`);
    }
  });

  it('prints the package version for --version', async () => {
    const result = await runDrover(['--version'], options);
    expect(result).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('rejects an unknown command with exit code 1', async () => {
    const result = await runDrover(['launch'], options);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("error: unknown command 'launch'\n");
  });

  it('rejects an unknown option with exit code 1', async () => {
    const result = await runDrover(['health', '--colour'], options);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("error: unknown option '--colour'\n");
  });

  it('prints the run usage and then the error when the mode is missing', async () => {
    const result = await runDrover(['run'], options);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^Usage: drover run \[options\] \[mode\]\n[\s\S]*\nerror: missing required argument 'mode'\n$/,
    );
  });

  it('rejects an unknown run mode', async () => {
    const result = await runDrover(['run', 'cluster'], options);
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'error: Unknown mode: cluster\n' });
  });

  it('exits 1 naming the key, the value and the variable when the environment holds a bad value', async () => {
    const result = await runDrover(['migration'], { ...options, env: { DROVER_DATASTORE_TYPE: 'mysql' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: datastore.type: "mysql" is not one of sqlite, postgres (from DROVER_DATASTORE_TYPE)\n',
    );
  });

  it('exits 1 naming the key and the file when the config file holds a bad value', async () => {
    const file = join(options.cwd, 'drover.toml');
    writeFileSync(file, '[logging]\nlevel = "chatty"\n');
    const result = await runDrover(['run', 'standalone'], options);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: logging.level: "chatty" is not one of debug, info, warn, error (from ${file})\n`,
    );
  });

  it('exits 1 when --config names a missing file', async () => {
    const missing = join(root, 'absent.toml');
    const result = await runDrover(['--config', missing, 'migration'], options);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: could not find config file: ${missing}\n`);
  });
});
