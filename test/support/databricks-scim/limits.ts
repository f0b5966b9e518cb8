import type { NextFunction, Request, Response } from 'express';
import { requestLimitDetail } from './constants.ts';
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
      const retryAfter = options.retryAfterSeconds;
      const headers: Record<string, string> =
        retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) };
      // NOTE: Databricks' detail text for 429 is not documented. This one is invented.
      throw new ScimError(429, 'Too many requests.', undefined, headers);
    }
    next();
  };
}

/**
 * Fails every Nth request with the two 500s Databricks has been seen to send under load:
 * REQUEST_LIMIT_EXCEEDED for its concurrency limit, and an error whose detail is "null".
 */
export function injectFaults(context: ScimContext) {
  const { requestLimitExceededEvery, nullDetailEvery } = context.options.faults;
  let seen = 0;
  const due = (every: number | undefined) => every !== undefined && seen % every === 0;

  return (_req: Request, _res: Response, next: NextFunction): void => {
    seen += 1;
    if (due(requestLimitExceededEvery)) throw new ScimError(500, requestLimitDetail);
    if (due(nullDetailEvery)) throw new ScimError(500, 'null');
    next();
  };
}
