import type { FastifyInstance } from 'fastify';

import { DroverError } from '../../errors.js';

export interface RateLimitOptions {
  /** @default false */
  enabled: boolean;
  /** Requests per second per client; also the burst. @default 20 */
  rps: number;
}

/** Buckets kept at most; beyond that, full (idle) buckets are dropped. */
const MAX_BUCKETS = 10_000;

interface Bucket {
  tokens: number;
  lastMs: number;
}

/**
 * A token bucket per client address (api spec §5): `rps` tokens a second, at most `rps` saved.
 * An empty bucket answers 429 `rate limit exceeded` with `Retry-After`.
 *
 * The client is the peer address (Fastify's `request.ip`). Tork trusted `X-Forwarded-For`, which
 * lets any client pick a fresh address per request and escape the limit.
 *
 * Runs before authentication (Tork runs it after), so failed logins are limited too and a flood
 * of guesses cannot keep the server busy hashing passwords.
 */
export function registerRateLimit(app: FastifyInstance, options: RateLimitOptions): void {
  if (!options.enabled) return;
  const rate = Math.max(1, options.rps);
  const buckets = new Map<string, Bucket>();

  app.addHook('onRequest', async (request, reply) => {
    const now = performance.now();
    const key = request.ip;
    const bucket = buckets.get(key) ?? { tokens: rate, lastMs: now };
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.lastMs) / 1000) * rate);
    bucket.lastMs = now;
    if (!buckets.has(key)) {
      if (buckets.size >= MAX_BUCKETS) dropIdle(buckets, now, rate);
      buckets.set(key, bucket);
    }
    if (bucket.tokens < 1) {
      reply.header('retry-after', String(Math.ceil((1 - bucket.tokens) / rate)));
      throw new DroverError('rate limit exceeded', 429, 'RATE_LIMIT');
    }
    bucket.tokens -= 1;
  });
}

/** Drop the buckets that would be full by now: forgetting them changes nothing for their clients. */
function dropIdle(buckets: Map<string, Bucket>, now: number, rate: number): void {
  for (const [key, bucket] of buckets) {
    if (bucket.tokens + ((now - bucket.lastMs) / 1000) * rate >= rate) buckets.delete(key);
  }
  // Every client active within the last second: drop the oldest rather than grow without bound.
  while (buckets.size >= MAX_BUCKETS) buckets.delete(buckets.keys().next().value!);
}
