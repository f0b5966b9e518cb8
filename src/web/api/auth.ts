import type { RequestHandler, Response } from 'express';
import type { User } from '../../directory/service.ts';
import { SesameError } from '../../errors.ts';
import type { Services } from '../../services.ts';

/** The challenge sent with every 401, as RFC 6750 section 3 describes for bearer tokens. */
export const bearerChallenge = 'Bearer realm="Sesame API"';

/** RFC 6750 section 2.1: the scheme is case-insensitive, the token is a b64token. */
const bearerPattern = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Authenticates the request by its `Authorization: Bearer` API key and stores the administrator
 * it acts as. Cookies are never read. A missing header, an unknown or revoked key, and a key whose
 * owner is no longer an active administrator get the same 401, so a caller learns nothing about
 * which keys exist.
 */
export function requireApiKey(services: Services): RequestHandler {
  return async function requireApiKey(req, res, next) {
    const token = bearerPattern.exec(req.get('authorization') ?? '')?.[1];
    const admin = token ? await services.apiKeys.authenticate(token) : undefined;
    if (!admin) {
      throw new SesameError(
        'unauthorized',
        'A valid API key is required: send it as "Authorization: Bearer <token>"',
      );
    }
    res.locals.apiAdmin = admin;
    next();
  };
}

/** Returns the administrator that `requireApiKey` authenticated for this request. */
export function apiAdmin(res: Response): User {
  const admin = res.locals.apiAdmin as User | undefined;
  if (!admin) throw new SesameError('internal', 'API route reached without an authenticated key');
  return admin;
}
