/**
 * YAML decoding that keeps each scalar's literal text.
 *
 * Tork (yaml.v3) fills a string field with the literal text of whatever scalar was written
 * (`cpus: .5` → ".5", `DEBUG: true` → "true"), while integer and boolean fields take the
 * typed value. Which reading applies depends on the field, so decoding keeps both: every
 * scalar becomes a {@link YamlScalar} and the schema's field helpers pick one.
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { InputError } from '../errors.js';

/** A decoded YAML scalar: the typed value (YAML 1.2 core schema) and its literal text. */
export class YamlScalar {
  constructor(
    /** `null` for `~`, `null` or an empty value. */
    readonly value: unknown,
    /** The scalar's text with quotes and escapes resolved (`.5`, `true`, `hello`). */
    readonly source: string,
  ) {}
}

/** A decoded YAML tree: plain objects and arrays whose leaves are {@link YamlScalar}s. */
export type YamlTree = YamlScalar | YamlTree[] | { [key: string]: YamlTree };

/** Alias expansion can grow a small document exponentially; stop well before that hurts. */
const MAX_NODES = 100_000;

/**
 * Decode a YAML text into a {@link YamlTree}; `undefined` when the document holds nothing.
 * Anchors, aliases and `<<` merge keys are resolved. Throws `InputError` naming the line and
 * column of a syntax error.
 */
export function decodeYaml(text: string): YamlTree | undefined {
  const doc = parseDocument(text, { merge: true, uniqueKeys: true, prettyErrors: true });
  const error = doc.errors[0];
  if (error) throw new InputError([{ path: 'body', message: describeYamlError(error) }]);
  if (doc.contents === null) return undefined;
  const counter = { nodes: 0 };
  return toTree(doc.contents, doc, counter);
}

function describeYamlError(error: {
  message: string;
  linePos?: [{ line: number; col: number }, ...unknown[]];
}): string {
  // The package's message is "<what> at line L, column C:\n<excerpt>"; keep the first part only.
  const firstLine = error.message.split('\n')[0] ?? error.message;
  const what = firstLine.replace(/ at line \d+, column \d+:?$/, '');
  const pos = error.linePos?.[0];
  const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
  return `invalid YAML${where}: ${lowerFirst(what)}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function toTree(node: unknown, doc: Document, counter: { nodes: number }): YamlTree {
  counter.nodes += 1;
  if (counter.nodes > MAX_NODES) {
    throw new InputError([
      {
        path: 'body',
        message: `YAML document is too large once aliases are expanded (over ${MAX_NODES} values)`,
      },
    ]);
  }
  if (isAlias(node)) return toTree(node.resolve(doc), doc, counter);
  if (isScalar(node)) return new YamlScalar(node.value, node.source ?? String(node.value ?? ''));
  if (isSeq(node)) return node.items.map((item) => toTree(item, doc, counter));
  if (isMap(node)) return mapToTree(node.items, doc, counter);
  // Empty values (`key:`) arrive as null nodes.
  return new YamlScalar(null, '');
}

type Pair = { key: unknown; value: unknown };

function mapToTree(pairs: Pair[], doc: Document, counter: { nodes: number }): { [key: string]: YamlTree } {
  const out: { [key: string]: YamlTree } = {};
  const merged: { [key: string]: YamlTree }[] = [];
  for (const pair of pairs) {
    if (isMergeKey(pair.key)) {
      merged.push(...mergeSources(pair.value, doc, counter));
      continue;
    }
    setOwn(out, keyText(pair.key, doc), toTree(pair.value, doc, counter));
  }
  // Keys written in the map itself win over merged ones; earlier merge sources win over later.
  for (const source of merged) {
    for (const [key, value] of Object.entries(source)) {
      if (!Object.prototype.hasOwnProperty.call(out, key)) setOwn(out, key, value);
    }
  }
  return out;
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === 'symbol';
}

function mergeSources(
  value: unknown,
  doc: Document,
  counter: { nodes: number },
): { [key: string]: YamlTree }[] {
  const resolved = toTree(value, doc, counter);
  const list = Array.isArray(resolved) ? resolved : [resolved];
  const maps: { [key: string]: YamlTree }[] = [];
  for (const item of list) {
    if (item instanceof YamlScalar || Array.isArray(item)) {
      throw new InputError([
        { path: 'body', message: 'invalid YAML: a << merge key must refer to a map or a list of maps' },
      ]);
    }
    maps.push(item);
  }
  return maps;
}

function keyText(key: unknown, doc: Document): string {
  const resolved = isAlias(key) ? key.resolve(doc) : key;
  if (isScalar(resolved)) return resolved.source ?? String(resolved.value ?? '');
  if (resolved === null || resolved === undefined) return '';
  const text = String((resolved as YamlNode).toString());
  throw new InputError([
    { path: 'body', message: `invalid YAML: map keys must be plain text, got ${text.slice(0, 40)}` },
  ]);
}

/** Plain assignment would treat a `__proto__` key as the prototype; define an own property. */
function setOwn(target: { [key: string]: YamlTree }, key: string, value: YamlTree): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The plain JavaScript value of a tree (what `YAML.parse` would give). */
export function plainValue(tree: YamlTree | undefined): unknown {
  if (tree === undefined) return undefined;
  if (tree instanceof YamlScalar) return tree.value;
  if (Array.isArray(tree)) return tree.map(plainValue);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(tree)) {
    Object.defineProperty(out, key, {
      value: plainValue(value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
