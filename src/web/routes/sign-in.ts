import { Router, type NextFunction, type Request, type Response } from 'express';
import type passport from 'passport';
import type { User } from '../../directory/service.ts';
import { SesameError } from '../../errors.ts';
import { newId } from '../../saml/response/xml.ts';
import type { Services } from '../../services.ts';
import { currentUser } from '../auth.ts';
import { csrfToken, requireCsrf } from '../csrf.ts';
import { sessionCookieName } from '../session.ts';
import { throttleAccount } from '../../directory/throttle.ts';

const maxLoginLength = 256;

/** `/login`, `POST /logout` and `/`. */
export function signInRouter(services: Services, authenticator: passport.PassportStatic): Router {
  const router = Router();

  router.get('/', (req, res) => res.redirect(303, currentUser(req) ? '/console' : '/login'));
  router.get('/login', showLoginPage);
  router.post(
    '/login',
    requireCsrf,
    checkThrottle(services),
    authenticate(services, authenticator),
  );
  router.post('/logout', requireCsrf, logOut(services));
  return router;
}

function showLoginPage(req: Request, res: Response) {
  res.setHeader('Cache-Control', 'no-store');
  // ForceAuthn sends a signed-in user here with reauth=1: the SP wants a fresh sign-in.
  const notice =
    req.query.reauth === '1' ? 'The application asks you to sign in again.' : undefined;
  res.render('login', { csrfToken: csrfToken(req), error: undefined, notice, username: '' });
}

function loginField(req: Request, name: string): string {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/**
 * Counts the attempt, then rejects it before the password is checked while the account or the
 * client address has too many recent failures.
 */
function checkThrottle(services: Services) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const username = loginField(req, 'username').slice(0, maxLoginLength);
    if (!username) return next();

    // Keyed by the account, so "alice" and "alice@example.com" share one count.
    const user = await services.directory.findUser(username);
    const account = user ? throttleAccount(user.id) : `login:${username.toLowerCase()}`;
    res.locals.throttleAccount = account;
    res.locals.loginUser = user;
    const waitSeconds = await services.throttle.beginAttempt(account, req.ip ?? 'unknown');
    if (waitSeconds === 0) return next();

    await services.insights.record({
      type: 'user_login_attempt',
      outcome: 'failure',
      ...attemptSubject(user),
      sourceIp: req.ip ?? null,
      errorCode: 'too_many_attempts',
      errorMessage: 'Sign-in throttled after repeated failures',
    });
    const minutes = Math.ceil(waitSeconds / 60);
    res.status(429).setHeader('Retry-After', String(waitSeconds));
    res.render('login', {
      csrfToken: csrfToken(req),
      username,
      error: `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    });
  };
}

function authenticate(services: Services, authenticator: passport.PassportStatic) {
  return (req: Request, res: Response, next: NextFunction) => {
    const username = loginField(req, 'username');
    const password = loginField(req, 'password');
    if (!username || !password || username.length > maxLoginLength) {
      res.status(400).render('login', {
        csrfToken: csrfToken(req),
        username: username.slice(0, maxLoginLength),
        error: 'Enter your username or email and your password.',
      });
      return;
    }

    const handler = (error: unknown, user: User | false, info?: { message?: string }) => {
      if (error) return next(error);
      const done = user
        ? signIn(services, req, res, user)
        : rejectSignIn(services, req, res, username, info?.message);
      done.catch(next);
    };
    (authenticator.authenticate('local', handler) as (...args: unknown[]) => void)(req, res, next);
  };
}

/**
 * Names the account a failed attempt was for. The text typed for an unknown account is not
 * recorded: it may be a password typed into the wrong field, or a forged name such as "cli".
 */
function attemptSubject(user: User | undefined) {
  return user
    ? {
        actor: user.username,
        userId: user.id,
        username: user.username,
        details: { knownAccount: true },
      }
    : { actor: 'anonymous', details: { knownAccount: false } };
}

async function rejectSignIn(
  services: Services,
  req: Request,
  res: Response,
  username: string,
  reason?: string,
) {
  await services.insights.record({
    type: 'user_login_attempt',
    outcome: 'failure',
    ...attemptSubject(res.locals.loginUser as User | undefined),
    sourceIp: req.ip ?? null,
    errorCode: reason ?? 'invalid_credentials',
    errorMessage: 'Sign-in rejected',
  });
  res.status(401).render('login', {
    csrfToken: csrfToken(req),
    username,
    // The same message for a wrong password, an unknown user and a suspended user, so the page
    // does not reveal which accounts exist.
    error: 'Invalid username or password.',
  });
}

/**
 * Signs the user in. Passport regenerates the session ID (stopping session fixation) and, with
 * `keepSessionInfo`, keeps the pending SAML requests and return path across it.
 */
async function signIn(services: Services, req: Request, res: Response, user: User) {
  await new Promise<void>((resolve, reject) =>
    req.login(user, { session: true, keepSessionInfo: true }, (error) =>
      error ? reject(error) : resolve(),
    ),
  );
  req.session.cookie.maxAge = services.config.sessionTtlSeconds * 1000;
  req.session.authTime = Date.now();
  req.session.sessionIndex = newId();
  // A fresh CSRF token for the new session, so a token seen before sign-in is worthless after it.
  delete req.session.csrfToken;

  const returnTo = safeReturnPath(req.session.returnTo);
  delete req.session.returnTo;

  await services.throttle.succeeded(res.locals.throttleAccount as string, req.ip ?? 'unknown');
  await services.insights.record({
    type: 'user_login_attempt',
    outcome: 'success',
    actor: user.username,
    userId: user.id,
    username: user.username,
    sourceIp: req.ip ?? null,
  });
  res.redirect(303, returnTo);
}

/** Accepts only a local absolute path, so the return path cannot send the user to another site. */
export function safeReturnPath(value: string | undefined): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.includes('\\'))
    return '/console';
  return value;
}

function logOut(services: Services) {
  return async (req: Request, res: Response) => {
    const user = currentUser(req);
    await new Promise<void>((resolve, reject) =>
      req.session.destroy((error) =>
        error
          ? reject(new SesameError('internal', 'Sign-out failed', { cause: error }))
          : resolve(),
      ),
    );
    res.clearCookie(sessionCookieName);
    if (user) {
      await services.insights.record({
        type: 'user_logout',
        outcome: 'success',
        actor: user.username,
        userId: user.id,
        username: user.username,
        sourceIp: req.ip ?? null,
      });
    }
    res.redirect(303, '/login');
  };
}
