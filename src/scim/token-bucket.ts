/**
 * Token buckets per key, held in memory: each key may spend `burst` requests at once, and its
 * bucket refills at `ratePerSecond`. Each Sesame process keeps its own buckets.
 */
export interface TokenBucketLimits {
  ratePerSecond: number;
  burst: number;
}

export interface TokenBuckets {
  /**
   * Takes one request from the bucket of `key`. Returns 0 when the request may proceed, or else
   * the milliseconds until the bucket has a request again.
   */
  take(key: string): number;
}

interface Bucket {
  tokens: number;
  updatedAtMs: number;
}

export function createTokenBuckets(
  limits: TokenBucketLimits,
  now: () => number = Date.now,
): TokenBuckets {
  // One entry per key ever seen. Keys are SCIM token IDs, so the map grows only with the tokens
  // that administrators create.
  const buckets = new Map<string, Bucket>();

  return {
    take(key) {
      const time = now();
      const bucket = buckets.get(key) ?? { tokens: limits.burst, updatedAtMs: time };
      const elapsedMs = Math.max(0, time - bucket.updatedAtMs);
      bucket.tokens = Math.min(
        limits.burst,
        bucket.tokens + (elapsedMs * limits.ratePerSecond) / 1000,
      );
      bucket.updatedAtMs = time;
      buckets.set(key, bucket);

      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return ((1 - bucket.tokens) * 1000) / limits.ratePerSecond;
    },
  };
}
