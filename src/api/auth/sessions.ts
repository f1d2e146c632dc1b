/**
 * Browser sessions for the UI (an `EventSource` cannot send an `Authorization` header): after a
 * login, an HttpOnly, SameSite=Strict cookie carries a random token that the auth middleware
 * accepts like a credential.
 *
 * Kept in memory: a restart (or another coordinator) asks the browser to log in again. Only a
 * SHA-256 of each token is held, so a heap dump shows no usable token.
 */
import { createHash, randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'drover_session';

/** Who a session belongs to. */
export interface SessionOwner {
  /** The user, or undefined for a session opened with the API key. */
  userId?: string;
  username?: string;
}

interface Session extends SessionOwner {
  expiresAtMs: number;
}

export interface SessionStoreOptions {
  /** @default 12 hours */
  ttlMs?: number;
  /** Sessions kept at most; the oldest go first. @default 10000 */
  maxSessions?: number;
  now?: () => number;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly ttlMs: number;
  private readonly maxSessions: number;
  private readonly now: () => number;

  constructor(options: SessionStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? 12 * 60 * 60 * 1000;
    this.maxSessions = options.maxSessions ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Open a session and return its token (the cookie value). */
  open(owner: SessionOwner): string {
    const token = randomBytes(32).toString('base64url');
    this.sessions.set(digest(token), { ...owner, expiresAtMs: this.now() + this.ttlMs });
    while (this.sessions.size > this.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
    return token;
  }

  /** The owner of a live session, or undefined. */
  find(token: string): SessionOwner | undefined {
    const key = digest(token);
    const session = this.sessions.get(key);
    if (!session) return undefined;
    if (session.expiresAtMs <= this.now()) {
      this.sessions.delete(key);
      return undefined;
    }
    return { userId: session.userId, username: session.username };
  }

  close(token: string): void {
    this.sessions.delete(digest(token));
  }

  /** The cookie lifetime in seconds, for `Max-Age`. */
  get maxAgeSeconds(): number {
    return Math.floor(this.ttlMs / 1000);
  }
}

// A map lookup by digest leaks nothing useful through timing: the token itself is never compared.
function digest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}
