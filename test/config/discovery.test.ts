import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { createSandbox, type Sandbox } from './helpers.js';

describe('config file discovery', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = createSandbox();
  });
  afterEach(() => box.remove());

  const load = (env: NodeJS.ProcessEnv = {}) => loadConfig({ env, cwd: box.cwd, homedir: box.home });

  it('reads ./drover.toml from the working directory', () => {
    const file = box.write('work/drover.toml', 'coordinator.name = "here"\n');
    const { config, file: used } = load();
    expect(used).toBe(file);
    expect(config.coordinator.name).toBe('here');
  });

  it('reads ~/.drover/drover.toml when the working directory has none', () => {
    const file = box.write('home/.drover/drover.toml', 'coordinator.name = "home"\n');
    const { config, file: used } = load();
    expect(used).toBe(file);
    expect(config.coordinator.name).toBe('home');
  });

  it('prefers ./drover.toml over the one in the home directory', () => {
    box.write('home/.drover/drover.toml', 'coordinator.name = "home"\n');
    box.write('work/drover.toml', 'coordinator.name = "here"\n');
    expect(load().config.coordinator.name).toBe('here');
  });

  it('reads the file named by DROVER_CONFIG instead of searching', () => {
    box.write('work/drover.toml', 'coordinator.name = "here"\n');
    const file = box.write('elsewhere/custom.toml', 'coordinator.name = "named"\n');
    const { config, file: used } = load({ DROVER_CONFIG: file });
    expect(used).toBe(file);
    expect(config.coordinator.name).toBe('named');
  });

  it('resolves a relative DROVER_CONFIG against the working directory and expands ~', () => {
    box.write('work/conf/a.toml', 'coordinator.name = "relative"\n');
    box.write('home/b.toml', 'coordinator.name = "tilde"\n');
    expect(load({ DROVER_CONFIG: 'conf/a.toml' }).config.coordinator.name).toBe('relative');
    expect(load({ DROVER_CONFIG: '~/b.toml' }).config.coordinator.name).toBe('tilde');
  });

  it('prefers the configFile option (the --config flag) over DROVER_CONFIG', () => {
    const a = box.write('a.toml', 'coordinator.name = "flag"\n');
    const b = box.write('b.toml', 'coordinator.name = "variable"\n');
    const { config } = loadConfig({
      env: { DROVER_CONFIG: b },
      configFile: a,
      cwd: box.cwd,
      homedir: box.home,
    });
    expect(config.coordinator.name).toBe('flag');
  });

  it('fails when DROVER_CONFIG names a file that does not exist', () => {
    const missing = join(box.root, 'nope.toml');
    expect(() => load({ DROVER_CONFIG: missing })).toThrow(
      new ConfigError(`could not find config file: ${missing}`),
    );
  });

  it('fails on a file that is not valid TOML, naming the file and the line', () => {
    const file = box.write('work/drover.toml', 'logging.level = "info"\nbroken = [1,\n');
    expect(() => load()).toThrow(
      `could not parse config file ${file} at line 3, column 1: Invalid TOML document`,
    );
  });

  it('lets environment variables win over the file', () => {
    box.write('work/drover.toml', '[logging]\nlevel = "error"\nformat = "json"\n');
    const { config } = load({ DROVER_LOGGING_LEVEL: 'debug' });
    expect(config.logging).toEqual({ level: 'debug', format: 'json' });
  });
});
