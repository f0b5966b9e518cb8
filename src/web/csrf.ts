import { timingSafeEqual } from 'node:crypto';
import { csrfSync } from 'csrf-sync';
import type { RequestHandler } from 'express';
import { SesameError } from '../errors.ts';

/**
 * Synchronizer-token CSRF protection (csrf-sync): each session has a random token, every form
 * carries it in `_csrf`, and a POST without the session's token is rejected before its handler.
 */
const csrf = csrfSync({
  getTokenFromRequest: (req) => {
    const token = (req.body as Record<string, unknown> | undefined)?._csrf;
    return typeof token === 'string' ? token : undefined;
  },
  size: 32,
});

export const csrfToken = (req: Parameters<typeof csrf.generateToken>[0]) => csrf.generateToken(req);

/** Rejects a POST whose `_csrf` field is missing or differs from the session's token. */
export const requireCsrf: RequestHandler = (req, _res, next) => {
  const expected = req.session?.csrfToken;
  const submitted = csrf.getTokenFromRequest(req);

  if (!expected || typeof submitted !== 'string' || !sameString(expected, submitted)) {
    next(
      new SesameError(
        'csrf_invalid',
        'The form has expired or was not sent from Sesame; reload the page and try again',
      ),
    );
    return;
  }
  next();
};

function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
