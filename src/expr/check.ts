/**
 * The compile step after parsing: every name must resolve (to a `let` variable, a context
 * key, `$env` or a function) and every built-in call must have an acceptable number of
 * arguments, as expr-lang's checker demands before anything runs.
 */
import { children, type Node } from './ast.js';
import { CompileFault } from './errors.js';
import { BUILTINS } from './functions/registry.js';
import { PREDICATE_ARGS } from './grammar.js';

interface Bound {
  name: string;
  parent: Bound | undefined;
}

function isBound(name: string, bound: Bound | undefined): boolean {
  for (let b = bound; b; b = b.parent) if (b.name === name) return true;
  return false;
}

function checkCall(
  node: Extract<Node, { kind: 'call' }>,
  names: (name: string) => boolean,
  bound: Bound | undefined,
): void {
  const builtin = Object.prototype.hasOwnProperty.call(BUILTINS, node.name) ? BUILTINS[node.name] : undefined;
  if (!builtin) {
    const known = isBound(node.name, bound) || names(node.name);
    throw new CompileFault(known ? `${node.name} is not a function` : `unknown name ${node.name}`, node.pos);
  }
  const [min, max] =
    builtin.kind === 'value'
      ? [builtin.min, builtin.max]
      : [
          PREDICATE_ARGS[node.name]!.filter((s) => !s.startsWith('optional')).length,
          PREDICATE_ARGS[node.name]!.length,
        ];
  if (node.args.length < min) throw new CompileFault(`not enough arguments to call ${node.name}`, node.pos);
  if (node.args.length > max) throw new CompileFault(`too many arguments to call ${node.name}`, node.pos);
}

const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '**', '^']);

/**
 * The Go type of a node when it is certain without running it: literals, and keys of the
 * context's string maps (`inputs.x` is a string). Enough to refuse `inputs.count + 1` at
 * compile time, as expr-lang's checker does.
 */
function staticType(node: Node, stringMaps: Set<string>, bound: Bound | undefined): string | undefined {
  switch (node.kind) {
    case 'string':
      return 'string';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'member': {
      const map = node.object;
      const isStringMap = map.kind === 'ident' && stringMaps.has(map.name) && !isBound(map.name, bound);
      return isStringMap && node.property.kind === 'string' ? 'string' : undefined;
    }
    default:
      return undefined;
  }
}

function checkArithmetic(
  node: Extract<Node, { kind: 'binary' }>,
  stringMaps: Set<string>,
  bound: Bound | undefined,
): void {
  if (!ARITHMETIC.has(node.op)) return;
  const left = staticType(node.left, stringMaps, bound);
  const right = staticType(node.right, stringMaps, bound);
  if (left === undefined || right === undefined || left === right) return;
  if (left === 'string' || right === 'string') {
    throw new CompileFault(`invalid operation: ${node.op} (mismatched types ${left} and ${right})`, node.pos);
  }
}

/**
 * Throw `CompileFault` for the first unknown name, bad call or certain type mismatch.
 * `names` tells which context keys exist; `stringMaps` names the context maps of strings.
 */
export function check(root: Node, names: (name: string) => boolean, stringMaps = new Set<string>()): void {
  const visit = (node: Node, bound: Bound | undefined): void => {
    switch (node.kind) {
      case 'ident':
        if (node.name !== '$env' && !isBound(node.name, bound) && !names(node.name)) {
          throw new CompileFault(`unknown name ${node.name}`, node.pos);
        }
        return;
      case 'pointer':
        if (node.name !== '' && node.name !== 'index' && node.name !== 'acc') {
          throw new CompileFault(`unknown pointer #${node.name}`, node.pos);
        }
        return;
      case 'let':
        visit(node.value, bound);
        visit(node.body, { name: node.name, parent: bound });
        return;
      case 'call':
        checkCall(node, names, bound);
        break;
      case 'binary':
        checkArithmetic(node, stringMaps, bound);
        break;
    }
    for (const child of children(node)) visit(child, bound);
  };
  visit(root, undefined);
}
