/**
 * Where a field path of a validation message (`tasks[1].retry.limit`) is in the YAML text, so
 * the editor can underline it. A path that does not exist (a missing required field) points at
 * its nearest existing parent.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';

export interface TextRange {
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

/** `tasks[1].retry.limit` → `['tasks', 1, 'retry', 'limit']`; `env["MY VAR"]` → `['env', 'MY VAR']`. */
export function splitPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /([A-Za-z_][\w-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (let m = re.exec(path); m; m = re.exec(path)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(m[3]) as string);
  }
  return out;
}

/** A locator for one YAML text: parse once, look up many paths. */
/** With `key`, a path that names a map entry points at the entry's key rather than its value. */
export function yamlLocator(text: string): (path: string, key?: boolean) => TextRange | undefined {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, keepSourceTokens: false });
  const toRange = (range: [number, number, number?] | null | undefined): TextRange | undefined => {
    if (!range) return undefined;
    const start = counter.linePos(range[0]);
    const end = counter.linePos(Math.max(range[0], range[1]));
    return { line: start.line, col: start.col, endLine: end.line, endCol: end.col };
  };
  return (path, key = false) => {
    let node: unknown = doc.contents;
    let best = toRange((node as YamlNode | null)?.range);
    const segments = splitPath(path);
    let found = 0;
    for (const segment of segments) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        // The key is the best place to point at when the value is empty or is the last segment.
        best = toRange((pair.key as YamlNode).range) ?? best;
        node = pair.value;
        const valueRange = toRange((node as YamlNode | null)?.range);
        if (valueRange && isScalar(node) && !(key && found === segments.length - 1)) best = valueRange;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        if (!item) break;
        node = item;
        best = toRange((item as YamlNode).range) ?? best;
      } else {
        break;
      }
      found++;
    }
    // A missing field: point at the first line of its parent rather than the whole block.
    if (best && found < segments.length)
      return { line: best.line, col: best.col, endLine: best.line, endCol: best.col };
    return best;
  };
}

/** `invalid YAML at line 3, column 5: …` → line 3, column 5. */
export function positionInMessage(message: string): { line: number; col: number } | undefined {
  const m = /at line (\d+), column (\d+)/.exec(message);
  return m ? { line: Number(m[1]), col: Number(m[2]) } : undefined;
}
