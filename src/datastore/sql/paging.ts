import type { Page } from '../../model/page.js';
import type { PageRequest } from '../datastore.js';

export interface PageBounds {
  page: number;
  size: number;
  limit: number;
  offset: number;
}

/** Clamp a page request (page ≥ 1, size ≥ 1) and turn it into LIMIT/OFFSET. */
export function pageBounds(request: PageRequest): PageBounds {
  const page = Math.max(1, Math.floor(request.page) || 1);
  const size = Math.max(1, Math.floor(request.size) || 1);
  return { page, size, limit: size, offset: (page - 1) * size };
}

/** Tork's page shape: `size` is how many items came back, `totalPages` uses the requested size. */
export function pageOf<T>(items: T[], totalItems: number, bounds: PageBounds): Page<T> {
  return {
    items,
    number: bounds.page,
    size: items.length,
    totalPages: Math.ceil(totalItems / bounds.size),
    totalItems,
  };
}
