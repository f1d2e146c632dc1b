/** The shapes of built-in functions, shared by the registry, the checker and the interpreter. */
import type { Node } from '../ast.js';
import { textCost, type Budget } from '../budget.js';

/** What a function may use while it runs: the step budget and the typing of string maps. */
export interface Runtime {
  budget: Budget;
  /** Maps of strings (`inputs`, `secrets`, `tasks`, `job`): a missing key reads as `""`. */
  stringMaps: WeakSet<object>;
}

/** A function of evaluated arguments, with its arity. */
export interface ValueFunction {
  kind: 'value';
  min: number;
  max: number;
  run(args: unknown[], rt: Runtime): unknown;
}

/** A predicate call as the interpreter hands it to a function. */
export interface PredicateCall extends Runtime {
  /** Evaluate an ordinary argument. */
  value(node: Node): unknown;
  /** Evaluate a predicate argument for one item (`#`, `#index`, `#acc`). */
  apply(predicate: Node, item: unknown, index: number, acc?: unknown): unknown;
}

/** A function taking a predicate (`filter`, `map`, `reduce`...): it receives the argument trees. */
export interface PredicateFunction {
  kind: 'predicate';
  run(args: Node[], call: PredicateCall): unknown;
}

export type BuiltinFunction = ValueFunction | PredicateFunction;

/** A value function; string arguments are charged by length before it runs. */
export function fn(min: number, max: number, run: ValueFunction['run']): ValueFunction {
  return {
    kind: 'value',
    min,
    max,
    run: (args, rt) => {
      rt.budget.charge(textCost(...args));
      return run(args, rt);
    },
  };
}
