/**
 * Work limits. An expression comes from a job definition, so a hostile or careless one
 * must not hang or exhaust the coordinator: every evaluation step, every item built and
 * every character printed is charged to one budget per evaluation.
 */
import { RuntimeFault } from './errors.js';

export const LIMITS = {
  /** Evaluation steps (nodes visited, items produced, characters scanned by `matches`). */
  steps: 1_000_000,
  /** Items in `sequence()` and `a..b`. */
  sequenceItems: 100_000,
  /** Characters of one string built by an expression (`repeat`, `+`, `join`, ...). */
  stringChars: 10_000_000,
  /** Characters of the result of `repeat`. */
  repeatChars: 1_000_000,
  /** Nesting of the parsed tree, and of values being printed. */
  depth: 400,
} as const;

export class Budget {
  private used = 0;

  constructor(private readonly limit: number = LIMITS.steps) {}

  /** Count `n` units of work; throws once the limit is passed. */
  charge(n = 1): void {
    this.used += n;
    if (this.used > this.limit) {
      throw new RuntimeFault(`expression exceeded the limit of ${this.limit} evaluation steps`);
    }
  }
}

/** A string result, refused when it passes the size limit. */
export function checkedString(s: string): string {
  if (s.length > LIMITS.stringChars) {
    throw new RuntimeFault(`memory budget exceeded: string longer than ${LIMITS.stringChars} characters`);
  }
  return s;
}

/** Work units for handling strings: one per hundred characters, so long text costs its length. */
export function textCost(...values: unknown[]): number {
  let chars = 0;
  for (const v of values) if (typeof v === 'string') chars += v.length;
  return Math.floor(chars / 100);
}
