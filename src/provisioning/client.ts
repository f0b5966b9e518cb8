import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { RateLimiter } from './rate-limit.ts';
import { delay } from './rate-limit.ts';
import type { ScimTarget } from './target.ts';

export const scimContentType = 'application/scim+json';

/** How a SCIM call failed, in the words an administrator acts on. */
export type ScimFailureKind =
  'http' | 'unreachable' | 'tls' | 'timeout' | 'network' | 'invalid_response';

export class ScimCallError extends Error {
  readonly kind: ScimFailureKind;
  readonly status: number | undefined;
  /** The SCIM error's `detail` and `scimType`, when the SP sent a SCIM error body. */
  readonly detail: string | undefined;
  readonly scimType: string | undefined;
  /**
   * True when the SP may have carried out the request although no success came back (a timeout,
   * a dropped connection or a server error), so a create must be looked up before it is repeated.
   */
  readonly uncertain: boolean;

  constructor(
    kind: ScimFailureKind,
    message: string,
    fields: {
      status?: number;
      detail?: string;
      scimType?: string;
      uncertain?: boolean;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: fields.cause });
    this.name = 'ScimCallError';
    this.kind = kind;
    this.status = fields.status;
    this.detail = fields.detail;
    this.scimType = fields.scimType;
    this.uncertain = fields.uncertain ?? false;
  }
}

export interface ScimResponse {
  status: number;
  /** The parsed JSON body; undefined for an empty body (such as 204). */
  body: unknown;
  /** How many times the request was sent, 1 without retries. */
  attempts: number;
}

export interface RetryPolicy {
  /** Time for one attempt, from sending the request to the last byte of the response. */
  timeoutMs: number;
  /** Retries after the first attempt, for 429, 503, 500 REQUEST_LIMIT_EXCEEDED and network errors. */
  maxRetries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export interface ScimClientOptions extends RetryPolicy {
  target: ScimTarget;
  token: string;
  limiter: RateLimiter;
  maxResponseBytes: number;
  /** Upper bound of resources read in one listing of users or groups. */
  maxListedResources: number;
  /** Extra trusted CA certificates (PEM), added to Node's own list. */
  ca?: string;
  sleep?: (milliseconds: number) => Promise<void>;
  random?: () => number;
}

export interface ScimClient {
  readonly target: ScimTarget;
  readonly maxListedResources: number;
  /** Sends one SCIM request within the rate limit, retrying throttling answers; throws `ScimCallError`. */
  request(method: string, path: string, body?: unknown): Promise<ScimResponse>;
  /**
   * Closes the kept-alive connections and ends every request in progress, including its waits
   * for the rate limit and for retries. Requests in progress and later ones throw a
   * `ScimCallError` of kind `network`.
   */
  close(): void;
}

// Databricks reports overload as HTTP 500 with this code, or in SDK-recognised wording.
const throttledDetail = /REQUEST_LIMIT_EXCEEDED|too many requests|rate limit|throttl/i;
const unreachableCodes = new Set([
  'ENOTFOUND',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

export function createScimClient(options: ScimClientOptions): ScimClient {
  const sleep = options.sleep ?? delay;
  const random = options.random ?? Math.random;
  const { target } = options;
  // Keep-alive connections, so that a sync does not open a TLS connection per request.
  const agent = target.baseUrl.startsWith('https:')
    ? new https.Agent({
        keepAlive: true,
        maxSockets: 4,
        ...(options.ca && { ca: [...tls.rootCertificates, options.ca] }),
      })
    : new http.Agent({ keepAlive: true, maxSockets: 4 });
  const inFlight = new Set<http.ClientRequest>();
  let closed = false;
  let signalClosed = () => {};
  const closing = new Promise<void>((resolve) => (signalClosed = resolve));

  /** Waits for `promise`, or throws as soon as the client is closed. */
  const unlessClosed = async (promise: Promise<void>) => {
    await Promise.race([promise, closing]);
    if (closed) throw closedError();
  };

  /** Exponential backoff with jitter: between half and all of base × 2^attempt, capped. */
  const backoff = (attempt: number) => {
    const ceiling = Math.min(options.backoffMaxMs, options.backoffBaseMs * 2 ** attempt);
    return Math.round(ceiling * (0.5 + random() / 2));
  };

  return {
    target,
    maxListedResources: options.maxListedResources,

    close() {
      closed = true;
      signalClosed();
      for (const request of inFlight) request.destroy(closedError());
      agent.destroy();
    },

    async request(method, path, body) {
      const upper = method.toUpperCase();
      for (let attempt = 0; ; attempt += 1) {
        if (closed) throw closedError();
        await unlessClosed(options.limiter.acquire(target.rateKey, upper));
        const last = attempt >= options.maxRetries;
        let response: RawResponse;
        try {
          response = await send(options, agent, inFlight, upper, path, body);
        } catch (error) {
          const failure = toCallError(error, options.timeoutMs);
          // A POST that may have reached the SP is not repeated here: the caller looks it up.
          if (last || upper === 'POST' || failure.kind === 'tls' || closed) throw failure;
          await unlessClosed(sleep(backoff(attempt)));
          continue;
        }

        const parsed = parseBody(response);
        if (response.status >= 200 && response.status < 300) {
          if (parsed.error) {
            throw new ScimCallError('invalid_response', parsed.error, { status: response.status });
          }
          return { status: response.status, body: parsed.value, attempts: attempt + 1 };
        }

        const error = scimError(response.status, parsed.value);
        const throttled =
          response.status === 429 ||
          response.status === 503 ||
          (response.status === 500 && throttledDetail.test(error.detail ?? ''));
        if (throttled && !last) {
          const wait =
            retryAfter(response.headers['retry-after'], options.backoffMaxMs) ?? backoff(attempt);
          // Every application that shares this account waits, not only this request.
          if (response.status === 429) options.limiter.pause(target.rateKey, wait);
          await unlessClosed(sleep(wait));
          continue;
        }
        throw error;
      }
    },
  };
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function send(
  options: ScimClientOptions,
  agent: http.Agent,
  inFlight: Set<http.ClientRequest>,
  method: string,
  path: string,
  body: unknown,
) {
  const url = new URL(options.target.baseUrl + path);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
  const transport = url.protocol === 'https:' ? https : http;

  return new Promise<RawResponse>((resolve, reject) => {
    const request = transport.request(
      url,
      {
        method,
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: `${scimContentType}, application/json`,
          ...(payload && {
            'content-type': `${scimContentType}; charset=utf-8`,
            'content-length': payload.length,
          }),
        },
        agent,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxResponseBytes) {
            request.destroy(
              new ScimCallError(
                'invalid_response',
                `Response is over ${options.maxResponseBytes} bytes`,
              ),
            );
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    // A deadline for the whole exchange, not a socket idle timeout, so that a server that sends
    // a byte now and then cannot hold the request open for ever.
    const deadline = setTimeout(() => request.destroy(new TimeoutError()), options.timeoutMs);
    inFlight.add(request);
    request.on('close', () => {
      clearTimeout(deadline);
      inFlight.delete(request);
    });
    request.on('error', reject);
    request.end(payload);
  });
}

class TimeoutError extends Error {}

function closedError(): ScimCallError {
  return new ScimCallError('network', 'The SCIM client was closed because provisioning stopped', {
    uncertain: true,
  });
}

function toCallError(error: unknown, timeoutMs: number): ScimCallError {
  if (error instanceof ScimCallError) return error;
  if (error instanceof TimeoutError) {
    return new ScimCallError('timeout', `Timed out: no complete response within ${timeoutMs} ms`, {
      uncertain: true,
    });
  }
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message;
  if (unreachableCodes.has(code)) {
    return new ScimCallError('unreachable', `Cannot reach the SCIM server (${code})`, {
      cause: error,
    });
  }
  if (
    /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|EPROTO/.test(code) ||
    /certificate|TLS|SSL/i.test(message)
  ) {
    return new ScimCallError('tls', `TLS connection failed: ${message} (${code || 'no code'})`, {
      cause: error,
    });
  }
  return new ScimCallError('network', `Connection failed: ${message}${code ? ` (${code})` : ''}`, {
    uncertain: true,
    cause: error,
  });
}

function parseBody(response: RawResponse): { value?: unknown; error?: string } {
  if (response.text.trim() === '') return {};
  const type = response.headers['content-type'] ?? '';
  if (!/json/i.test(type)) {
    return {
      error: `The server answered ${response.status} with ${type || 'no content type'}, not JSON`,
    };
  }
  try {
    return { value: JSON.parse(response.text) };
  } catch {
    return { error: `The server answered ${response.status} with a body that is not valid JSON` };
  }
}

function scimError(status: number, body: unknown): ScimCallError {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const detail = typeof fields.detail === 'string' ? fields.detail : undefined;
  const scimType = typeof fields.scimType === 'string' ? fields.scimType : undefined;
  const redirect = status >= 300 && status < 400;
  const message = redirect
    ? `The server answered ${status}, a redirect; enter the final SCIM Base URL`
    : `HTTP ${status}${detail && detail !== 'null' ? `: ${detail}` : ''}`;
  return new ScimCallError('http', message, {
    status,
    detail,
    scimType,
    uncertain: status >= 500,
  });
}

/** Reads a Retry-After header in seconds or as an HTTP date, capped at `maxMs`. */
function retryAfter(header: string | string[] | undefined, maxMs: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = /^\d+$/.test(value.trim())
    ? Number(value) * 1000
    : Date.parse(value) - Date.now();
  if (!Number.isFinite(seconds)) return undefined;
  return Math.min(Math.max(seconds, 0), maxMs);
}
