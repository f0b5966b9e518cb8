import express, { type Request, type RequestHandler, type Response } from 'express';
import type { Services } from '../services.ts';
import { scimMediaType, scimTypes } from './constants.ts';
import { scimError } from './errors.ts';
import { createTokenBuckets } from './token-bucket.ts';
import type { ScimClient } from './tokens.ts';

/** The challenge sent with every 401, as RFC 6750 section 3 describes for bearer tokens. */
export const scimBearerChallenge = 'Bearer realm="sesame-scim"';

/** Maximum size of a SCIM request body, after any Content-Encoding is undone: 1 MiB. */
export const scimMaxBodyBytes = 1024 * 1024;

/** RFC 6750 section 2.1: the scheme is case-insensitive, the token is a b64token. */
const bearerPattern = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

const acceptedTypes = [scimMediaType, 'application/json'];

/**
 * Authenticates a SCIM request by its `Authorization: Bearer` token, then applies the token's
 * rate limit. On success `res.locals.scimToken` is the client, a `ScimClient`.
 * - A missing header, another scheme, and an unknown or revoked token all get the same 401 body,
 *   so a caller learns nothing about which tokens exist. The reason goes to the log only.
 * - Each token has its own bucket of `SESAME_SCIM_SERVER_BURST` requests, refilled at
 *   `SESAME_SCIM_SERVER_RATE_PER_SECOND`; a request over it gets 429 with `Retry-After`.
 */
export function scimAuthentication(services: Services): RequestHandler {
  const buckets = createTokenBuckets({
    ratePerSecond: services.config.scimServerRatePerSecond,
    burst: services.config.scimServerBurst,
  });
  // Token IDs that got a 429 since their last admitted request, so a client hammering its limit
  // logs one line per throttled stretch instead of one per request.
  const throttled = new Set<string>();

  return async function scimAuthentication(req, res, next) {
    const header = req.get('authorization');
    const token = header === undefined ? undefined : bearerPattern.exec(header)?.[1];
    const client = token ? await services.scimTokens.authenticate(token) : undefined;
    if (!client) {
      logRejection(services, req, { status: 401, reason: failureReason(header, token) });
      return rejectAuthentication(res);
    }

    const waitMs = buckets.take(client.id);
    if (waitMs > 0) {
      if (!throttled.has(client.id))
        logRejection(services, req, { status: 429, tokenId: client.id });
      throttled.add(client.id);
      return rejectOverLimit(res, waitMs);
    }

    throttled.delete(client.id);
    res.locals.scimToken = client satisfies ScimClient;
    next();
  };
}

/** Names why authentication failed, for the log only: the client gets one message for all. */
function failureReason(header: string | undefined, token: string | undefined): string {
  if (!header) return 'missing';
  if (!token) return 'not a bearer token';
  return 'unknown or revoked';
}

function rejectAuthentication(res: Response) {
  res.setHeader('WWW-Authenticate', scimBearerChallenge);
  scimError(res, 401, 'Authentication failed');
}

function rejectOverLimit(res: Response, waitMs: number) {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  res.setHeader('Retry-After', String(seconds));
  scimError(res, 429, `Too many requests for this token; retry after ${seconds} s`);
}

function logRejection(services: Services, req: Request, fields: Record<string, unknown>) {
  services.logger.info(
    { event: 'scim.request.rejected', ...fields, method: req.method, sourceIp: req.ip ?? null },
    'SCIM request rejected',
  );
}

const parseJson = express.json({ type: acceptedTypes, limit: scimMaxBodyBytes, strict: true });

/**
 * Parses a SCIM request body as JSON, from `application/scim+json` or `application/json`, up to
 * `scimMaxBodyBytes`. Failures get a SCIM error: 413 for a body over the limit, and 400
 * `invalidSyntax` for another media type, malformed JSON, a charset other than UTF-8 or an
 * unsupported Content-Encoding.
 * A request without a body passes with `req.body` undefined.
 */
export const scimJsonParser: RequestHandler = function scimJsonParser(req, res, next) {
  if (!hasBody(req)) return next();
  if (!req.is(acceptedTypes)) {
    const contentType = req.get('content-type');
    const instead = contentType ? `, not "${contentType.slice(0, 100)}"` : '';
    return scimError(
      res,
      400,
      `Content-Type must be ${acceptedTypes.join(' or ')}${instead}`,
      scimTypes.invalidSyntax,
    );
  }

  // RFC 8259 section 8.1 requires UTF-8 between systems, while body-parser 2.4 would also
  // decode UTF-16 and UTF-32.
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.get('content-type') ?? '')?.[1];
  if (charset !== undefined && charset.toLowerCase() !== 'utf-8') {
    return scimError(
      res,
      400,
      `Request body must be JSON in UTF-8, not charset "${charset.slice(0, 40)}"`,
      scimTypes.invalidSyntax,
    );
  }

  parseJson(req, res, (error?: unknown) => {
    if (error === undefined) return next();
    const type = (error as { type?: unknown }).type;
    const reply = bodyErrorReplies[String(type)];
    if (reply) return reply(res, req);

    // body-parser 2.4 passes a failure to decompress (such as zlib's "incorrect header check")
    // as a 400 without a type.
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return scimError(res, 400, 'Request body could not be read', scimTypes.invalidSyntax);
    }
    next(error);
  });
};

/**
 * Tells whether the request carries body bytes. Unlike `req.is`, it takes `Content-Length: 0`,
 * which many clients send with a bodyless request, as no body.
 */
function hasBody(req: Request): boolean {
  return req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;
}

/** SCIM errors for body-parser's failures, by their `type`. */
const bodyErrorReplies: Record<string, (res: Response, req: Request) => void> = {
  'entity.too.large': (res) =>
    scimError(
      res,
      413,
      `Request body is larger than the maximum of ${scimMaxBodyBytes} bytes (1 MiB)`,
    ),
  'entity.parse.failed': (res) =>
    scimError(
      res,
      400,
      'Request body is not a valid JSON object or array',
      scimTypes.invalidSyntax,
    ),
  'charset.unsupported': (res) =>
    scimError(res, 400, 'Request body must be JSON in UTF-8', scimTypes.invalidSyntax),
  'encoding.unsupported': (res, req) =>
    scimError(
      res,
      400,
      `Content-Encoding "${(req.get('content-encoding') ?? '').slice(0, 40)}" is not supported; use gzip, deflate, br or none`,
      scimTypes.invalidSyntax,
    ),
  'request.size.invalid': (res) =>
    scimError(
      res,
      400,
      'Request body is shorter or longer than its Content-Length',
      scimTypes.invalidSyntax,
    ),
};
