import session from 'express-session';
import type { RequestHandler } from 'express';
import type { Services } from '../services.ts';
import { DatabaseSessionStore } from './session-store.ts';

/** An AuthnRequest that passed every check and waits for the user to sign in. */
export interface PendingSsoRequest {
  slug: string;
  requestId: string;
  acsUrl: string;
  relayState?: string;
  forceAuthn: boolean;
  isPassive: boolean;
  /** Epoch milliseconds when Sesame accepted the request; ForceAuthn needs a sign-in after it. */
  receivedAt: number;
}

declare module 'express-session' {
  interface SessionData {
    /** Epoch milliseconds of the last password sign-in: the assertion's AuthnInstant. */
    authTime?: number;
    sessionIndex?: string;
    /** Local path to return to after sign-in. */
    returnTo?: string;
    /** Pending SP-initiated requests by handle, so several tabs can sign in at once. */
    samlPending?: Record<string, PendingSsoRequest>;
  }
}

export const sessionCookieName = 'sesame.sid';

/** Lifetime of a session before sign-in; anonymous visitors must not fill the table for hours. */
export const anonymousSessionTtlSeconds = 30 * 60;

/** Gives sessions without a signed-in user the short anonymous lifetime. */
export const shortenAnonymousSessions: RequestHandler = (req, _res, next) => {
  if (!req.user && req.session) req.session.cookie.maxAge = anonymousSessionTtlSeconds * 1000;
  next();
};

export function sessionMiddleware(services: Services): {
  middleware: RequestHandler;
  store: DatabaseSessionStore;
} {
  const { config, secretKey } = services;
  const store = new DatabaseSessionStore(services.db, config.sessionTtlSeconds);
  const secure = config.baseUrl.startsWith('https:');

  const middleware = session({
    name: sessionCookieName,
    secret: secretKey.toString('base64'),
    store,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    cookie: {
      httpOnly: true,
      secure,
      // Lax keeps the cookie off cross-site POSTs; SP-initiated HTTP-POST requests therefore
      // take one same-site redirect before the session is read (see the SAML routes).
      sameSite: 'lax',
      maxAge: config.sessionTtlSeconds * 1000,
      path: '/',
    },
  });
  return { middleware, store };
}
