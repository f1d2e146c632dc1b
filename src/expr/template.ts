/**
 * `{{ expression }}` templates (jobs.md §10.1). A block ends at the first `}}`; the
 * expression may not span lines; white space inside the braces is trimmed. Text without
 * blocks is literal.
 */
import { findBlocks } from './blocks.js';
import { evaluateToText, validateExpression } from './evaluate.js';

/** Whether `text` contains a `{{ ... }}` block. */
export function hasTemplate(text: string): boolean {
  return findBlocks(text, 1).length > 0;
}

/**
 * Replace every block with the `%v` text of its value. Text without blocks comes back
 * unchanged. Throws `ExpressionError` for the first block that fails.
 */
export function evaluateTemplate(text: string, context: Record<string, unknown>): string {
  let out = '';
  let last = 0;
  for (const block of findBlocks(text)) {
    out += text.slice(last, block.start) + evaluateToText(block.expression, context);
    last = block.end;
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * Check the syntax of every block (Tork checks only the first). Text without blocks is a
 * literal and always valid. Returns the first error message, or `undefined`.
 */
export function validateTemplate(text: string): string | undefined {
  for (const block of findBlocks(text)) {
    const error = validateExpression(block.expression);
    if (error) return error;
  }
  return undefined;
}

/** The expression of the first block, or the whole text when there is none (`each.list`, webhook `if`). */
export function extractExpression(text: string): string {
  return findBlocks(text, 1)[0]?.expression ?? text;
}
