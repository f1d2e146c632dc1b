import type { PageRequest } from '../datastore/datastore.js';
import { InputError } from '../errors.js';

export interface PagingLimits {
  defaultSize: number;
  maxSize: number;
}

/** Sizes of the list endpoints (api spec §3). */
export const JOB_PAGING: PagingLimits = { defaultSize: 10, maxSize: 20 };
export const LOG_PAGING: PagingLimits = { defaultSize: 25, maxSize: 100 };

/** The query values Fastify hands over: a string, or an array when the name repeats. */
type QueryValue = string | string[] | undefined;

/**
 * `page` and `size` as Tork reads them: absent or empty → defaults, below 1 → 1, size above the
 * maximum → the maximum. A value that is not an integer is a 400 naming the parameter and the
 * value (Tork answers 404 and quotes the page for both: a bug we do not copy).
 */
export function parsePaging(query: Record<string, QueryValue>, limits: PagingLimits): PageRequest {
  const page = parseInteger(first(query.page), 'invalid page number') ?? 1;
  const size = parseInteger(first(query.size), 'invalid size') ?? limits.defaultSize;
  return { page: Math.max(page, 1), size: Math.min(Math.max(size, 1), limits.maxSize) };
}

/** The first value of a query parameter (Go's `QueryParam` reads the first). */
export function first(value: QueryValue): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseInteger(text: string | undefined, message: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (!/^[+-]?\d+$/.test(text)) throw new InputError(`${message}: ${text}`);
  const value = Number(text);
  // Huge values are clamped anyway; keep them finite integers.
  return Number.isSafeInteger(value) ? value : Math.sign(value) * Number.MAX_SAFE_INTEGER;
}
