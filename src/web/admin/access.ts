import type { NextFunction, Request, Response } from 'express';
import type { Actor, User } from '../../directory/service.ts';
import { SesameError } from '../../errors.ts';
import { currentUser } from '../auth.ts';
import { csrfToken } from '../csrf.ts';

/**
 * Lets only a signed-in administrator through, and sets what every admin page renders: the
 * administrator for the header, the form token, and no caching of pages that show directory data.
 * It runs after `requireSignedIn`, so a visitor without a session has already gone to /login.
 * Suspended users never get here, because their session no longer resolves to a user.
 */
export function requireAdmin(req: Request, res: Response, next: NextFunction): void {
  const user = currentUser(req);
  if (!user || user.is_admin !== 1) {
    next(
      new SesameError(
        'forbidden',
        'The administrators’ portal is open to administrators only. Your applications are in your console.',
      ),
    );
    return;
  }

  res.setHeader('Cache-Control', 'no-store');
  res.locals.user = user;
  res.locals.csrfToken = csrfToken(req);
  next();
}

/** Returns the administrator of an admin request; `requireAdmin` has already checked it. */
export function adminOf(req: Request): User {
  return currentUser(req)!;
}

/** Returns the actor recorded in the events of an admin change: the administrator and the address. */
export function actorOf(req: Request): Actor {
  return { actor: adminOf(req).username, sourceIp: req.ip ?? null };
}
