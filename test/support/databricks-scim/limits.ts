import type { NextFunction, Request, Response } from 'express';
import type { ScimContext } from './context.ts';
import { ScimError } from './errors.ts';
import type { HttpMethod } from './options.ts';

/** A token bucket with room for one second's requests, refilled continuously. */
class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number,
  ) {
    this.tokens = perSecond;
    this.last = now();
  }

  take(): boolean {
    const at = this.now();
    // A clock that a test sets back (setClock) refills nothing rather than draining the bucket.
    const elapsedMs = Math.max(0, at - this.last);
    this.tokens = Math.min(this.perSecond, this.tokens + (elapsedMs / 1000) * this.perSecond);
    this.last = at;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * Rejects with 429 once the account-wide bucket (25 per second by default, as Databricks documents)
 * or a per-method bucket is empty. `Retry-After` is sent only when configured, because
 * Databricks has been seen to leave it out.
 */
export function rateLimit(context: ScimContext) {
  const { options, now } = context;
  const overall = new TokenBucket(options.ratePerSecond, now);
  const perMethod = new Map(
    Object.entries(options.perMethodRates).map(([method, rate]) => [
      method,
      new TokenBucket(rate, now),
    ]),
  );

  return (req: Request, _res: Response, next: NextFunction): void => {
    const methodBucket = perMethod.get(req.method as HttpMethod);
    if (!overall.take() || (methodBucket && !methodBucket.take())) {
      throw tooManyRequests(options.retryAfterSeconds);
    }
    next();
  };
}

/** Builds a `Retry-After` header in seconds, or no header when `seconds` is undefined. */
export function retryAfterHeader(seconds: number | undefined): Record<string, string> {
  return seconds === undefined ? {} : { 'Retry-After': String(seconds) };
}

/** Creates the 429 error that the rate limit and the injected 429 fault send. */
export function tooManyRequests(retryAfterSeconds: number | undefined): ScimError {
  // NOTE: Databricks' detail text for 429 is not documented. This one is invented.
  return new ScimError(429, 'Too many requests.', undefined, retryAfterHeader(retryAfterSeconds));
}
