import type { NextFunction, Request, RequestHandler, Response } from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { User } from '../directory/service.ts';
import type { Services } from '../services.ts';

declare global {
  // Passport types req.user through this global namespace.
  namespace Express {
    interface User {
      id: string;
    }
  }
}

/** The outcome of checking a username and password, for the sign-in route to act on. */
export interface Verdict {
  user?: User;
  reason?: string;
}

/**
 * Configures passport with a local strategy over the directory. Sessions store only the user's
 * ID; a user suspended or deleted since is treated as signed out on the next request.
 */
export function configurePassport(services: Services): passport.PassportStatic {
  const instance = new passport.Passport();

  instance.use(
    new LocalStrategy(
      { usernameField: 'username', passwordField: 'password' },
      (login, password, done) => {
        services.directory
          .authenticate(login, password)
          .then(
            (verdict) =>
              done(null, verdict.reason ? false : verdict.user, { message: verdict.reason ?? '' }),
            done,
          );
      },
    ),
  );
  instance.serializeUser((user, done) => done(null, (user as User).id));
  instance.deserializeUser((id: string, done) => {
    services.directory
      .getUser(id)
      .then((user) => done(null, user && user.status === 'active' ? user : false), done);
  });
  return instance as unknown as passport.PassportStatic;
}

/** Returns the signed-in user of this request, as the directory row. */
export function currentUser(req: Request): User | undefined {
  return req.user as User | undefined;
}

/** Sends a browser without a session to the sign-in page, to come back to this GET path. */
export const requireSignedIn: RequestHandler = (
  req: Request,
  res: Response,
  next: NextFunction,
) => {
  if (currentUser(req)) return next();
  if (req.method === 'GET') req.session.returnTo = req.originalUrl;
  res.redirect(303, '/login');
};
