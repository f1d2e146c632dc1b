/**
 * Every function an expression can call: expr-lang v1.17's built-ins plus Tork's
 * `randomInt` and `sequence`. This table is the whole reach of a call; there is no way
 * to call a function found in the context.
 */
import { ARRAY_FUNCTIONS } from './arrays.js';
import { DATE_FUNCTIONS } from './dates.js';
import { JSON_FUNCTIONS } from './json.js';
import { NUMBER_FUNCTIONS } from './numbers.js';
import { PREDICATE_FUNCTIONS } from './predicates.js';
import { STRING_FUNCTIONS } from './strings.js';
import type { BuiltinFunction } from './types.js';

export const BUILTINS: Readonly<Record<string, BuiltinFunction>> = Object.freeze(
  Object.assign(
    Object.create(null) as Record<string, BuiltinFunction>,
    STRING_FUNCTIONS,
    ARRAY_FUNCTIONS,
    PREDICATE_FUNCTIONS,
    NUMBER_FUNCTIONS,
    JSON_FUNCTIONS,
    DATE_FUNCTIONS,
  ),
);

export function isBuiltin(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(BUILTINS, name);
}
