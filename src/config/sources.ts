/**
 * Turn a parsed TOML document and a set of `DROVER_*` variables into a flat list of raw
 * settings against the key tree, plus warnings for keys the tree does not know. Nothing is
 * validated here; `load.ts` parses each setting's value.
 */
import { ConfigError } from '../errors.js';
import type { KeyNode, KeySpec } from './schema.js';
import { quoteValue } from './values.js';

/** One value for one key, before parsing. */
export interface RawSetting {
  spec: KeySpec;
  /** Entry name inside a map key (`video` in `worker.queues.video`). */
  entry?: string;
  raw: unknown;
  /** Where the value came from: the file path or the variable name. */
  source: string;
  fromEnv: boolean;
}

export interface Collected {
  settings: RawSetting[];
  warnings: string[];
}

export const ENV_PREFIX = 'DROVER_';
/** Names the config file; not itself a config key. */
export const CONFIG_FILE_VAR = 'DROVER_CONFIG';

function isTable(value: unknown): value is Record<string, unknown> {
  // smol-toml tables have a null prototype; dates are objects too, but not tables.
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Walk a TOML document along the key tree. */
export function collectFromFile(doc: Record<string, unknown>, tree: KeyNode, file: string): Collected {
  const out: Collected = { settings: [], warnings: [] };
  walkTable(doc, tree, '', file, out);
  return out;
}

function walkTable(
  table: Record<string, unknown>,
  node: KeyNode,
  prefix: string,
  file: string,
  out: Collected,
): void {
  for (const [name, raw] of Object.entries(table)) {
    const key = prefix ? `${prefix}.${name}` : name;
    const child = node.children.get(name);
    if (!child) {
      out.warnings.push(`unknown config key ${key} (in ${file})`);
    } else if (child.spec?.kind === 'leaf') {
      out.settings.push({ spec: child.spec, raw, source: file, fromEnv: false });
    } else if (child.spec?.kind === 'map') {
      const spec = child.spec;
      if (!isTable(raw))
        throw new ConfigError(`${key}: ${quoteValue(raw)} is not ${spec.expected} (from ${file})`);
      for (const [entry, value] of Object.entries(raw)) {
        out.settings.push({ spec, entry, raw: value, source: file, fromEnv: false });
      }
    } else if (isTable(raw)) {
      walkTable(raw, child, key, file, out);
    } else {
      throw new ConfigError(`${key}: ${quoteValue(raw)} is not a table (from ${file})`);
    }
  }
}

/**
 * Match `DROVER_*` variables against the key tree. `_` separates segments, but a segment may
 * itself contain `_` (`max_open_conns`), so every split is tried against the tree; inside a
 * map key the rest of the name, lower-cased, is the entry (`DROVER_WORKER_QUEUES_MY_JOBS` →
 * `worker.queues.my_jobs`).
 */
export function collectFromEnv(env: NodeJS.ProcessEnv, tree: KeyNode): Collected {
  const out: Collected = { settings: [], warnings: [] };
  const names = Object.keys(env)
    .filter((name) => name.startsWith(ENV_PREFIX) && name !== CONFIG_FILE_VAR)
    .sort();
  for (const name of names) {
    const raw = env[name];
    if (raw === undefined) continue;
    const tokens = name.slice(ENV_PREFIX.length).toLowerCase().split('_');
    const match = matchTokens(tree, tokens, 0);
    if (match) {
      out.settings.push({ spec: match.spec, entry: match.entry, raw, source: name, fromEnv: true });
    } else {
      out.warnings.push(`unknown config key ${tokens.join('.')} (from ${name})`);
    }
  }
  return out;
}

interface Match {
  spec: KeySpec;
  entry?: string;
}

function matchTokens(node: KeyNode, tokens: string[], start: number): Match | undefined {
  if (node.spec?.kind === 'map') {
    const entry = tokens.slice(start).join('_');
    return entry ? { spec: node.spec, entry } : undefined;
  }
  if (start === tokens.length) return node.spec ? { spec: node.spec } : undefined;
  for (let end = start + 1; end <= tokens.length; end++) {
    const child = node.children.get(tokens.slice(start, end).join('_'));
    const match = child && matchTokens(child, tokens, end);
    if (match) return match;
  }
  return undefined;
}
