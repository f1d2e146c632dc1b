/**
 * Turns credentials into a `Principal`: basic auth against stored users, the API key, and the
 * UI's session cookie. Every comparison of a secret is constant-time; no credential is logged.
 */
import { createHmac, randomBytes } from 'node:crypto';

import type { FastifyRequest } from 'fastify';

import type { Datastore } from '../../datastore/datastore.js';
import type { User } from '../../model/job.js';
import { safeEqual, verifyPassword } from './password.js';
import { ADMIN_ROLE, type Principal } from './principal.js';
import { SESSION_COOKIE, type SessionStore } from './sessions.js';

export interface AuthenticatorOptions {
  datastore: Datastore;
  sessions: SessionStore;
  /** `middleware.web.basicauth.enabled`. */
  basic: boolean;
  /** The API key when `middleware.web.keyauth.enabled`, else undefined. */
  apiKey: string | undefined;
}

/** How long a checked password is remembered (see `isPasswordOf`), and how many of each kind. */
const VERIFIED_TTL_MS = 5 * 60 * 1000;
const REFUSED_TTL_MS = 60 * 1000;
const CHECKED_MAX = 1000;

export class Authenticator {
  /** HMAC key for the verified-credentials cache, new in every process. */
  private readonly cacheKey = randomBytes(32);
  private readonly verified = new CheckedCredentials(VERIFIED_TTL_MS, CHECKED_MAX);
  private readonly refused = new CheckedCredentials(REFUSED_TTL_MS, CHECKED_MAX);

  constructor(private readonly o: AuthenticatorOptions) {}

  get isEnabled(): boolean {
    return this.o.basic || this.o.apiKey !== undefined;
  }

  get acceptsPasswords(): boolean {
    return this.o.basic;
  }

  /** The principal of a request's `Authorization` header or session cookie, or undefined. */
  async authenticate(request: FastifyRequest): Promise<Principal | undefined> {
    const header = request.headers.authorization;
    if (header) {
      const [scheme = '', value = ''] = header.trim().split(/\s+/, 2);
      if (scheme.toLowerCase() === 'basic' && this.o.basic) return this.fromBasic(value);
      if (scheme.toLowerCase() === 'bearer' && this.o.apiKey !== undefined) return this.fromKey(value);
      return undefined;
    }
    const token = readCookie(request.headers.cookie, SESSION_COOKIE);
    return token === undefined ? undefined : this.fromSession(token);
  }

  /** `Authorization: Basic base64(username:password)`. */
  private async fromBasic(encoded: string): Promise<Principal | undefined> {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return undefined;
    return this.checkPassword(decoded.slice(0, colon), decoded.slice(colon + 1), 'basic');
  }

  /** A username and password, from basic auth or the UI's login form. */
  async checkPassword(
    username: string,
    password: string,
    method: Principal['method'],
  ): Promise<Principal | undefined> {
    if (!this.o.basic) return undefined;
    const user = await this.o.datastore.findUser(username);
    // Looked up by username or id; only the username logs in (api spec §5). Disabled users don't.
    const usable = user && user.username === username && !user.disabled ? user : undefined;
    if (!(await this.isPasswordOf(username, password, usable?.passwordHash))) return undefined;
    return usable ? this.principalOfUser(usable, method) : undefined;
  }

  fromKey(key: string): Principal | undefined {
    const expected = this.o.apiKey;
    if (expected === undefined || !safeEqual(key, expected)) return undefined;
    return { method: 'key', roles: new Set([ADMIN_ROLE]), isAdmin: true };
  }

  private async fromSession(token: string): Promise<Principal | undefined> {
    const owner = this.o.sessions.find(token);
    if (!owner) return undefined;
    if (!owner.userId)
      return this.o.apiKey === undefined
        ? undefined
        : { method: 'session', roles: new Set([ADMIN_ROLE]), isAdmin: true };
    if (!this.o.basic) return undefined;
    // Read the user again: a user disabled (or given other roles) since the login is seen at once.
    const user = await this.o.datastore.findUser(owner.userId);
    if (!user || user.disabled || user.username !== owner.username) return undefined;
    return this.principalOfUser(user, 'session');
  }

  private async principalOfUser(user: User, method: Principal['method']): Promise<Principal> {
    const roles = await this.o.datastore.getUserRoles(user.id!);
    const keys = new Set<string>();
    for (const role of roles) {
      if (role.id) keys.add(role.id);
      if (role.slug) keys.add(role.slug);
    }
    return {
      method,
      user: { id: user.id!, username: user.username! },
      roles: keys,
      isAdmin: keys.has(ADMIN_ROLE),
    };
  }

  /**
   * scrypt, skipped when this exact pair was checked against the same stored hash a moment ago:
   * a client sending basic auth with every request costs one hash, and so does one retrying a
   * stale password over and over. Refusals are kept apart from matches, so a flood of guesses
   * cannot push the matches of real clients out.
   */
  private async isPasswordOf(username: string, password: string, hash: string | undefined): Promise<boolean> {
    const entry = createHmac('sha256', this.cacheKey)
      .update(username)
      .update('\u0000')
      .update(password)
      .digest('base64');
    const stored = hash ?? '';
    if (this.verified.has(entry, stored)) return true;
    if (this.refused.has(entry, stored)) return false;
    const ok = await verifyPassword(password, hash);
    (ok ? this.verified : this.refused).add(entry, stored);
    return ok;
  }
}

/** Recently checked credentials (by HMAC), each with the stored hash it was checked against. */
class CheckedCredentials {
  private readonly entries = new Map<string, { hash: string; untilMs: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
  ) {}

  has(entry: string, hash: string): boolean {
    const hit = this.entries.get(entry);
    return hit !== undefined && hit.untilMs > Date.now() && safeEqual(hit.hash, hash);
  }

  add(entry: string, hash: string): void {
    this.entries.delete(entry);
    this.entries.set(entry, { hash, untilMs: Date.now() + this.ttlMs });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }
}

/** One cookie's value from a `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
