import type { NextFunction, Request, Response } from 'express';
import { requestLimitDetail } from './constants.ts';
import { ScimError } from './errors.ts';
import { retryAfterHeader, tooManyRequests } from './limits.ts';

/** How long a fault lasts: `requests` requests, or until turned off when it is left out. */
export interface FaultDuration {
  requests?: number;
}

/** Injected failures; each one left out is off. */
export interface FaultSettings {
  /** Every Nth request fails with 500 REQUEST_LIMIT_EXCEEDED. */
  requestLimitExceededEvery?: number;
  /** Every Nth request fails with 500 and `"detail":"null"`. */
  nullDetailEvery?: number;
  /**
   * Hung requests: each is read in full and gets no response. With `answerAfterMs`, the request
   * goes on after that many milliseconds and is carried out even if the client has given up,
   * as on a slow server.
   */
  hang?: FaultDuration & { answerAfterMs?: number };
  /** 503 responses, with `Retry-After` when `retryAfterSeconds` is set. */
  unavailable?: FaultDuration & { retryAfterSeconds?: number };
  /** 429 responses like the rate limit's, with `Retry-After` when `retryAfterSeconds` is set. */
  tooManyRequests?: FaultDuration & { retryAfterSeconds?: number };
}

type LastingFault = 'hang' | 'unavailable' | 'tooManyRequests';

// NOTE: Databricks' detail text for 503 is not documented. This one is invented.
const unavailableDetail = 'The service is temporarily unavailable.';

/**
 * The fault injection of one emulator, changeable while it serves. Faults act after the token,
 * account and rate-limit checks, in this order: `hang`, `unavailable`, `tooManyRequests`, then
 * the every-Nth 500s. A request that one fault responds to is not counted by the faults after it.
 */
export class FaultSwitch {
  private settings: FaultSettings = {};
  /** Requests that reached the every-Nth check since the settings last changed. */
  private seen = 0;
  private readonly delayed = new Set<NodeJS.Timeout>();

  constructor(initial: FaultSettings = {}) {
    this.set(initial);
  }

  /** Replaces all fault settings, so faults left out are off, and restarts every count. */
  set(settings: FaultSettings): void {
    checkFaultSettings(settings);
    this.settings = structuredClone(settings);
    this.seen = 0;
  }

  /** Turns every fault off. Requests already hung still get no response. */
  clear(): void {
    this.set({});
  }

  /** Returns the settings in force, with each `requests` lowered by the requests it has taken. */
  current(): FaultSettings {
    return structuredClone(this.settings);
  }

  /** Drops delayed requests that have not gone on yet, so that none runs after a shutdown. */
  cancelDelayed(): void {
    for (const timer of this.delayed) clearTimeout(timer);
    this.delayed.clear();
  }

  /** Express middleware that applies the faults in force to each request. */
  readonly middleware = (_req: Request, _res: Response, next: NextFunction): void => {
    const hang = this.take('hang');
    if (!hang) {
      next(this.statusFault());
      return;
    }
    if (hang.answerAfterMs === undefined) return;

    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      next(this.statusFault());
    }, hang.answerAfterMs);
    timer.unref();
    this.delayed.add(timer);
  };

  /** Returns the error the next fault in force sends, or undefined to let the request through. */
  private statusFault(): ScimError | undefined {
    const unavailable = this.take('unavailable');
    if (unavailable) {
      const headers = retryAfterHeader(unavailable.retryAfterSeconds);
      return new ScimError(503, unavailableDetail, undefined, headers);
    }
    const limited = this.take('tooManyRequests');
    if (limited) return tooManyRequests(limited.retryAfterSeconds);

    this.seen += 1;
    const due = (every: number | undefined) => every !== undefined && this.seen % every === 0;
    if (due(this.settings.requestLimitExceededEvery)) return new ScimError(500, requestLimitDetail);
    if (due(this.settings.nullDetailEvery)) return new ScimError(500, 'null');
    return undefined;
  }

  /** Takes one request from a lasting fault, turning it off when its last request is taken. */
  private take<K extends LastingFault>(kind: K): FaultSettings[K] {
    const fault = this.settings[kind];
    if (fault?.requests === undefined) return fault;

    fault.requests -= 1;
    if (fault.requests === 0) delete this.settings[kind];
    return fault;
  }
}

const knownFaults = [
  'requestLimitExceededEvery',
  'nullDetailEvery',
  'hang',
  'unavailable',
  'tooManyRequests',
];

/** Rejects unknown faults and counts that are not whole numbers, naming the setting. */
function checkFaultSettings(settings: FaultSettings): void {
  const unknown = Object.keys(settings).find((key) => !knownFaults.includes(key));
  if (unknown !== undefined) {
    throw new TypeError(`faults.${unknown} is not a fault; use one of ${knownFaults.join(', ')}`);
  }

  checkCount('faults.requestLimitExceededEvery', settings.requestLimitExceededEvery, 1);
  checkCount('faults.nullDetailEvery', settings.nullDetailEvery, 1);
  checkCount('faults.hang.requests', settings.hang?.requests, 1);
  checkCount('faults.hang.answerAfterMs', settings.hang?.answerAfterMs, 0);
  checkCount('faults.unavailable.requests', settings.unavailable?.requests, 1);
  checkCount('faults.unavailable.retryAfterSeconds', settings.unavailable?.retryAfterSeconds, 0);
  checkCount('faults.tooManyRequests.requests', settings.tooManyRequests?.requests, 1);
  checkCount(
    'faults.tooManyRequests.retryAfterSeconds',
    settings.tooManyRequests?.retryAfterSeconds,
    0,
  );
}

function checkCount(name: string, value: number | undefined, minimum: number): void {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new RangeError(`${name} must be an integer of at least ${minimum}; got ${value}`);
  }
}
