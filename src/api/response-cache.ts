/**
 * Encoded answers of a read route, each kept with the datastore's change token read before it
 * was built (`Datastore.changeToken`). An answer is served again only while the token is the
 * same, that is while nothing at all has been written: exact, whoever writes, with no
 * invalidation to get wrong. It pays where reads repeat between writes, as when clients poll a
 * finished job; on a busy engine most lookups miss, at the cost of one small read each.
 *
 * Bounded by count and by the size of an answer; the least recently used goes first.
 */
export class ResponseCache {
  private readonly entries = new Map<string, { token: string; body: Buffer }>();

  constructor(
    private readonly maxEntries = 256,
    private readonly maxBodyBytes = 256 * 1024,
  ) {}

  /** The body stored under `key` for this token, if any. */
  get(key: string, token: string): Buffer | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.token !== token) return undefined;
    this.entries.set(key, entry);
    return entry.body;
  }

  set(key: string, token: string, body: Buffer): void {
    this.entries.delete(key);
    if (body.length > this.maxBodyBytes) return;
    this.entries.set(key, { token, body });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}
