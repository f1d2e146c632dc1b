/** One page of a list endpoint (Tork's shape). */
export interface Page<T> {
  items: T[];
  /** The page number that was served (1-based). */
  number: number;
  /** How many items this page holds (not the requested size). */
  size: number;
  totalPages: number;
  totalItems: number;
}
