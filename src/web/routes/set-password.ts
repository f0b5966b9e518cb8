import {
  Router,
  type ErrorRequestHandler,
  type NextFunction,
  type Request,
  type Response,
} from 'express';
import { passwordLinkInvalidMessage, type PasswordLinks } from '../../directory/password-links.ts';
import { SesameError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { Services } from '../../services.ts';
import { fieldErrorsOf, textField, type FieldErrors, type FormFields } from '../admin/forms.ts';
import { csrfToken, requireCsrf } from '../csrf.ts';
import { errorHandler } from '../errors.ts';

/** Path pattern of the set-password page, which is also what the log shows instead of the path. */
const pagePath = '/set-password/:token';

const passwordFields: FormFields = {
  labels: { password: 'Password', passwordConfirmation: 'Password confirmation' },
  aliases: { value: 'password' },
};

/** Returns the URL of the set-password page for a link's token. */
export function passwordLinkUrl(baseUrl: string, token: string): string {
  return `${baseUrl}/set-password/${encodeURIComponent(token)}`;
}

/**
 * `GET` and `POST /set-password/:token`: the public page where a user sets their own password
 * with a one-time link. The token is in the URL, so these pages send `Cache-Control: no-store`
 * and `Referrer-Policy: no-referrer`, and their log lines show the route pattern, not the path.
 * A body that the application's form parser rejects fails before this router; the application's
 * error handler replaces the token in that log line.
 */
export function setPasswordRouter(services: Services, passwordLinks: PasswordLinks): Router {
  const router = Router();
  router.use(pagePath, keepTokenPrivate);
  router.get(pagePath, showForm(passwordLinks));
  router.post(pagePath, requireCsrf, setPassword(passwordLinks));
  router.use(pagePath, renderError(services.logger));
  return router;
}

function keepTokenPrivate(_req: Request, res: Response, next: NextFunction) {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
  next();
}

function tokenOf(req: Request): string {
  return String(req.params.token);
}

function renderForm(req: Request, res: Response, username: string, errors: FieldErrors = {}) {
  res.render('set-password', {
    csrfToken: csrfToken(req),
    action: `/set-password/${encodeURIComponent(tokenOf(req))}`,
    username,
    errors,
  });
}

function linkInvalid(): SesameError {
  return new SesameError('not_found', passwordLinkInvalidMessage);
}

function showForm(passwordLinks: PasswordLinks) {
  return async (req: Request, res: Response) => {
    const link = await passwordLinks.inspect(tokenOf(req));
    if (!link) throw linkInvalid();
    renderForm(req, res, link.username);
  };
}

function setPassword(passwordLinks: PasswordLinks) {
  return async (req: Request, res: Response) => {
    const link = await passwordLinks.inspect(tokenOf(req));
    if (!link) throw linkInvalid();

    const password = textField(req.body, 'password');
    if (password !== textField(req.body, 'passwordConfirmation')) {
      res.status(400);
      return renderForm(req, res, link.username, {
        passwordConfirmation: 'Password confirmation does not match the password.',
      });
    }

    try {
      await passwordLinks.redeem(tokenOf(req), password, {
        actor: link.username,
        sourceIp: req.ip ?? null,
      });
    } catch (error) {
      // A `not_found` here means that the link was used or replaced, or its user suspended,
      // after the check above. It goes to the error page like any other failure.
      if (!(error instanceof SesameError) || error.code !== 'input_invalid') throw error;
      res.status(400);
      return renderForm(req, res, link.username, fieldErrorsOf(error, passwordFields));
    }
    res.render('set-password-done', { username: link.username });
  };
}

/**
 * Renders the errors of these routes with the application's error handler, which logs `req.path`.
 * The handler gets a view of the request whose path is the route pattern, without the token.
 */
function renderError(logger: Logger): ErrorRequestHandler {
  const handle = errorHandler(logger);
  return (error: unknown, req, res, next) => {
    const withoutToken = Object.create(req, { path: { value: pagePath } }) as Request;
    handle(error, withoutToken, res, next);
  };
}
