/**
 * Paces SCIM requests per service-provider account: at most `perSecond` requests in any second,
 * and at most `perMethod[method]` requests of that method. Requests get evenly spaced slots
 * instead of bursts, because Databricks answers a burst over its limit with 429.
 */
export interface RateLimits {
  perSecond: number;
  /** Lower limits per HTTP method, such as `{ PATCH: 2 }`. */
  perMethod: Partial<Record<string, number>>;
}

export interface RateLimiter {
  /** Resolves when a request of `method` may be sent within the limits of `key`. */
  acquire(key: string, method: string): Promise<void>;
  /** Holds every request of `key` back for `milliseconds`, after the SP answered 429. */
  pause(key: string, milliseconds: number): void;
}

export function createRateLimiter(
  limits: RateLimits,
  sleep: (milliseconds: number) => Promise<void> = delay,
  now: () => number = Date.now,
): RateLimiter {
  // The earliest time of the next request, per bucket key and per bucket key + method.
  const nextSlot = new Map<string, number>();

  const reserve = (bucket: string, perSecond: number, earliest: number) => {
    const slot = Math.max(earliest, nextSlot.get(bucket) ?? 0);
    nextSlot.set(bucket, slot + 1000 / perSecond);
    return slot;
  };

  return {
    async acquire(key, method) {
      const methodRate = limits.perMethod[method.toUpperCase()];
      const methodBucket = `${key} ${method.toUpperCase()}`;
      let slot = Math.max(now(), nextSlot.get(key) ?? 0);
      if (methodRate) slot = Math.max(slot, nextSlot.get(methodBucket) ?? 0);
      reserve(key, limits.perSecond, slot);
      if (methodRate) reserve(methodBucket, methodRate, slot);
      const wait = slot - now();
      if (wait > 0) await sleep(wait);
    },

    pause(key, milliseconds) {
      nextSlot.set(key, Math.max(nextSlot.get(key) ?? 0, now() + milliseconds));
    },
  };
}

export function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** Parses `PATCH=2,POST=5` into per-method limits; throws on anything else. */
export function parseMethodRates(text: string): Partial<Record<string, number>> {
  const rates: Partial<Record<string, number>> = {};
  for (const entry of text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const match = /^(GET|POST|PUT|PATCH|DELETE)=(\d+(?:\.\d+)?)$/i.exec(entry);
    if (!match || Number(match[2]) <= 0)
      throw new Error(`"${entry}" is not METHOD=requests-per-second, such as PATCH=2`);
    rates[match[1]!.toUpperCase()] = Number(match[2]);
  }
  return rates;
}
