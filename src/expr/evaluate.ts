/**
 * Compile and evaluate expressions (engine.md §8). Parsing is cached by source text;
 * evaluation is a whitelist interpreter with a step budget (see interpreter.ts).
 */
import type { Node } from './ast.js';
import { Budget } from './budget.js';
import { check } from './check.js';
import { CompileFault, ExpressionError, locate, RuntimeFault } from './errors.js';
import { printValue } from './format.js';
import { Interpreter } from './interpreter.js';
import { parse } from './parser.js';
import { hasOwn, isMap } from './values.js';

/** Context maps whose values are all strings: a missing key reads as `""`, as in Go. */
const STRING_MAPS = ['inputs', 'secrets', 'tasks', 'job'];

const CACHE_SIZE = 500;
const cache = new Map<string, Node>();

function compile(source: string): Node {
  let tree = cache.get(source);
  if (!tree) {
    tree = parse(source);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(source, tree);
  }
  return tree;
}

function compileError(source: string, fault: CompileFault): ExpressionError {
  return new ExpressionError(`error compiling expression: ${source}: ${locate(source, fault)}`);
}

function wrapFault(source: string, err: unknown): unknown {
  if (err instanceof CompileFault) return compileError(source, err);
  if (err instanceof RuntimeFault)
    return new ExpressionError(`error evaluating expression: ${source}: ${err.message}`);
  if (err instanceof RangeError) {
    return new ExpressionError(`error evaluating expression: ${source}: expression is nested too deeply`, {
      cause: err,
    });
  }
  return err;
}

/**
 * Check that `source` is a syntactically valid expression. Names are not resolved, so
 * `no.such.thing` is valid. Returns the error message, or `undefined` when valid. The text
 * is taken as one expression: for a field that may hold `{{ }}`, use `validateTemplate`
 * or `extractExpression` first.
 */
export function validateExpression(source: string): string | undefined {
  try {
    compile(source);
    return undefined;
  } catch (err) {
    if (err instanceof CompileFault) return compileError(source, err).message;
    throw err;
  }
}

function run(source: string, context: Record<string, unknown>, print: boolean): unknown {
  try {
    const tree = compile(source);
    const stringMaps = STRING_MAPS.filter((key) => hasOwn(context, key) && isMap(context[key]));
    check(tree, (name) => hasOwn(context, name), new Set(stringMaps));
    const budget = new Budget();
    const interpreter = new Interpreter(context, budget);
    for (const key of stringMaps) interpreter.stringMaps.add(context[key] as object);
    const value = interpreter.run(tree);
    return print ? printValue(value, budget) : value;
  } catch (err) {
    throw wrapFault(source, err);
  }
}

/**
 * Evaluate one expression against `context` (`{ inputs, secrets, tasks, job, ... }`).
 * Throws `ExpressionError` ("error compiling expression: ..." for syntax and unknown
 * names, "error evaluating expression: ..." for failures while running).
 *
 * Values come back in the expression language's model: integers as `bigint` (exact
 * 64-bit), floats as `number`, lists as arrays, maps as null-prototype objects, nil as
 * `null`, times and durations as `GoTime`/`GoDuration`. Pass them back into a context
 * unchanged (e.g. an `each` item) to keep their printed form; `JSON.stringify` needs a
 * replacer for `bigint`.
 */
export function evaluateExpression(source: string, context: Record<string, unknown>): unknown {
  return run(source, context, false);
}

/** Evaluate and print with Go's `%v`, charging the printing to the same budget. */
export function evaluateToText(source: string, context: Record<string, unknown>): string {
  return run(source, context, true) as string;
}
