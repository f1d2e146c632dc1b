/**
 * Load the configuration: defaults, then a TOML file, then `DROVER_*` variables (later wins),
 * validated and deeply frozen. This is the only module that reads the environment.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir as osHomedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { ConfigError } from '../errors.js';
import type { Config } from './config.js';
import { defaultConfig, type HostFacts } from './defaults.js';
import { KEY_TREE, type MapKey } from './schema.js';
import { CONFIG_FILE_VAR, collectFromEnv, collectFromFile, type RawSetting } from './sources.js';
import { quoteValue } from './values.js';

export interface LoadOptions extends HostFacts {
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Where `./drover.toml` and relative paths are looked up. @default process.cwd() */
  cwd?: string;
  /** What `~` stands for. @default os.homedir() */
  homedir?: string;
  /** A config file to use instead of `DROVER_CONFIG` and the search (the CLI's `--config`). */
  configFile?: string;
}

export interface LoadedConfig {
  config: Config;
  /** One line per unknown key, naming it and where it came from. */
  warnings: string[];
  /** The config file read, if any. */
  file?: string;
}

/** Searched in this order when neither `configFile` nor `DROVER_CONFIG` names a file. */
export const CONFIG_SEARCH_PATHS = [
  './drover.toml',
  '~/.drover/drover.toml',
  '/etc/drover/drover.toml',
] as const;

/**
 * Build the config. Throws `ConfigError` naming the key, the bad value, what is allowed and
 * its source, e.g. `datastore.type: "mysql" is not one of sqlite, postgres (from DROVER_DATASTORE_TYPE)`.
 */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const home = options.homedir ?? osHomedir();
  const file = findConfigFile(options.configFile ?? env[CONFIG_FILE_VAR], cwd, home);

  const fromFile = file ? collectFromFile(readToml(file), KEY_TREE, file) : { settings: [], warnings: [] };
  const fromEnv = collectFromEnv(env, KEY_TREE);

  const config = defaultConfig(options);
  const explicit = applySettings(config, [...fromFile.settings, ...fromEnv.settings]);
  deriveDefaults(config, explicit, cwd);
  return { config: deepFreeze(config), warnings: [...fromFile.warnings, ...fromEnv.warnings], file };
}

function expandHome(path: string, home: string): string {
  return path === '~' || path.startsWith('~/') ? join(home, path.slice(1)) : path;
}

function findConfigFile(named: string | undefined, cwd: string, home: string): string | undefined {
  if (named) {
    const path = resolve(cwd, expandHome(named, home));
    if (!existsSync(path)) throw new ConfigError(`could not find config file: ${path}`);
    return path;
  }
  return CONFIG_SEARCH_PATHS.map((p) => resolve(cwd, expandHome(p, home))).find((p) => existsSync(p));
}

function readToml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`could not read config file ${file}: ${(err as Error).message}`);
  }
  try {
    return parseToml(text);
  } catch (err) {
    // smol-toml appends a code frame after a blank line; the first line and position suffice.
    const e = err as Error & { line?: number; column?: number };
    const where = e.line === undefined ? '' : ` at line ${e.line}, column ${e.column ?? 0}`;
    throw new ConfigError(`could not parse config file ${file}${where}: ${e.message.split('\n')[0]}`);
  }
}

/** Parse and store every setting in order; returns the keys that were set explicitly. */
function applySettings(config: Config, settings: RawSetting[]): Set<string> {
  const explicit = new Set<string>();
  const maps = new Map<MapKey, Record<string, unknown>>();
  for (const setting of settings) {
    const { spec, entry } = setting;
    const key = entry === undefined ? spec.key : `${spec.key}.${entry}`;
    const parsed = spec.value.parse(setting.raw, setting.fromEnv);
    if ('problem' in parsed) {
      throw new ConfigError(`${key}: ${quoteValue(setting.raw)} ${parsed.problem} (from ${setting.source})`);
    }
    explicit.add(spec.key);
    if (spec.kind === 'leaf') {
      setAt(config, spec.path, parsed.value);
    } else {
      const entries = maps.get(spec) ?? {};
      entries[entry ?? ''] = parsed.value;
      maps.set(spec, entries);
    }
  }
  for (const [spec, entries] of maps) {
    const base = spec.mergesDefaults ? (getAt(config, spec.path) as Record<string, unknown>) : {};
    setAt(config, spec.path, { ...base, ...entries });
  }
  return explicit;
}

/** Defaults that follow other keys unless set themselves. */
function deriveDefaults(config: Config, explicit: Set<string>, cwd: string): void {
  if (!explicit.has('locker.type')) config.locker.type = config.datastore.type;
  if (!explicit.has('locker.postgres.dsn')) config.locker.postgres = { dsn: config.datastore.postgres.dsn };
  if (!explicit.has('broker.rabbitmq.management.url')) {
    const host = new URL(config.broker.rabbitmq.url).hostname || 'localhost';
    config.broker.rabbitmq.managementUrl = `http://${host}:15672`;
  }
  const sqlitePath = config.datastore.sqlite.path;
  // Resolved now so a later change of working directory cannot move the database.
  if (sqlitePath !== ':memory:' && !isAbsolute(sqlitePath))
    config.datastore.sqlite.path = resolve(cwd, sqlitePath);
}

function getAt(target: object, path: readonly string[]): unknown {
  let node: unknown = target;
  for (const segment of path) node = (node as Record<string, unknown>)[segment];
  return node;
}

function setAt(target: object, path: readonly string[], value: unknown): void {
  const parent = getAt(target, path.slice(0, -1)) as Record<string, unknown>;
  parent[path[path.length - 1]!] = value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
