/**
 * Errors of the expression language. Users see `ExpressionError` only; the two internal
 * faults carry what went wrong and are wrapped with the expression text by `evaluate.ts`.
 */

/**
 * A template or expression that failed to compile or to evaluate. The message shows the
 * expression and what is wrong, in Tork's shape:
 * `error compiling expression: 1 + : unexpected end of expression (1:4)` or
 * `error evaluating expression: int('x'): cannot convert "x" to int`.
 */
export class ExpressionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ExpressionError';
  }
}

/** A syntax or name error found before evaluation; `pos` is a UTF-16 offset in the source. */
export class CompileFault extends Error {
  readonly pos: number;
  constructor(message: string, pos: number) {
    super(message);
    this.pos = pos;
  }
}

/** A failure while evaluating (bad operand types, index out of range, budget exceeded...). */
export class RuntimeFault extends Error {}

/** Message of a compile fault with its `(line:column)`, both 1-based, columns in characters. */
export function locate(source: string, fault: CompileFault): string {
  const before = source.slice(0, Math.max(0, Math.min(fault.pos, source.length)));
  const lines = before.split('\n');
  const column = [...(lines[lines.length - 1] ?? '')].length + 1;
  return `${fault.message} (${lines.length}:${column})`;
}
