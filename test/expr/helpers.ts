import { ExpressionError } from '../../src/expr/errors.js';
import { evaluateExpression } from '../../src/expr/evaluate.js';
import { formatValue } from '../../src/expr/format.js';

/** A context shaped like the engine's: string maps plus an `each` item. */
export function context(): Record<string, unknown> {
  return {
    inputs: { name: 'world', count: '3', json: '{"b": [1, 2.5], "a": null}', list: 'a,b,c' },
    secrets: { token: 's3cret' },
    tasks: { first: 'done' },
    job: { id: 'j1', name: 'demo' },
    item: { index: '1', value: { name: 'x', size: 2 } },
  };
}

/** Evaluate and print with Go's %v, as a template block would. */
export function show(source: string, ctx: Record<string, unknown> = context()): string {
  return formatValue(evaluateExpression(source, ctx));
}

/** The message of the ExpressionError an expression throws. */
export function failure(source: string, ctx: Record<string, unknown> = context()): string {
  try {
    evaluateExpression(source, ctx);
  } catch (err) {
    if (err instanceof ExpressionError) return err.message;
    throw err;
  }
  throw new Error(`expected ${source} to fail`);
}
