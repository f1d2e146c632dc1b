/**
 * Password hashing with scrypt from `node:crypto` (no dependency) and constant-time comparison.
 * A hash reads `scrypt$<N>$<r>$<p>$<salt base64>$<key base64>`, so its cost can be raised later
 * without invalidating stored hashes.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt cost: N = 2^15, r = 8, p = 1 (32 MiB, tens of milliseconds per check). */
const COST = { N: 32768, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** Longer passwords are refused: hashing is the only unbounded work a request could ask for. */
export const MAX_PASSWORD_BYTES = 1024;

function derive(password: string, salt: Buffer, cost: ScryptOptions): Promise<Buffer> {
  // maxmem must cover 128 * N * r bytes, plus scrypt's working margin.
  const options = { ...cost, maxmem: 256 * (cost.N ?? COST.N) * (cost.r ?? COST.r) };
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/**
 * Whether `password` matches `stored`. A malformed or foreign hash (e.g. Tork's bcrypt) never
 * matches. Without a stored hash, a dummy hash is checked anyway, so an unknown user takes as
 * long to reject as a wrong password.
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const parsed = stored === undefined ? undefined : parseHash(stored);
  if (!parsed) {
    await derive(password, DUMMY_SALT, COST);
    return false;
  }
  const key = await derive(password, parsed.salt, parsed.cost);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

const DUMMY_SALT = randomBytes(SALT_BYTES);

interface ParsedHash {
  cost: ScryptOptions;
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | undefined {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return undefined;
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  const sane =
    Number.isInteger(cost.N) &&
    cost.N >= 2 &&
    cost.N <= 2 ** 20 &&
    cost.r >= 1 &&
    cost.r <= 32 &&
    cost.p >= 1 &&
    cost.p <= 16;
  return sane ? { cost, salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64') } : undefined;
}

/**
 * Compare two secrets in constant time (in their length too: both are hashed to 32 bytes first,
 * so the time does not tell how much of a guessed key was right, or how long the real one is).
 */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}
