import type { ErrorRequestHandler, RequestHandler } from 'express';
import { SesameError } from '../errors.ts';
import type { Logger } from '../log.ts';

const titles: Partial<Record<SesameError['code'], string>> = {
  not_assigned: 'Not assigned',
  application_inactive: 'Application deactivated',
  not_found: 'Not found',
  forbidden: 'Administrators only',
  csrf_invalid: 'Form expired',
  payload_too_large: 'Request too large',
};

/** Replaces the one-time token of a set-password link in a path, so that no log line holds it. */
export function withoutSecrets(path: string): string {
  return path.replace(/^\/set-password\/[^/]*/, '/set-password/[token]');
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new SesameError('not_found', `No page at ${req.path.slice(0, 200)}`));
};

/**
 * Renders every error as a page. Client errors show their message and are logged at info;
 * faults show a generic message, and their detail goes to the log only.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);

    const known = toSesameError(error);
    const request = {
      code: known.code,
      status: known.status,
      method: req.method,
      path: withoutSecrets(req.path),
    };
    // A client error is expected traffic: its message is enough, without a stack trace.
    if (known.status >= 500) logger.error({ ...request, err: error }, 'request failed');
    else logger.info({ ...request, message: known.message }, 'request rejected');

    res.status(known.status).setHeader('Cache-Control', 'no-store');
    res.render('error', {
      title:
        titles[known.code] ?? (known.status >= 500 ? 'Something went wrong' : 'Request rejected'),
      message: known.expose
        ? known.message
        : 'An internal error occurred. The administrator can find the details in the server log.',
      code: known.code,
    });
  };
}

function toSesameError(error: unknown): SesameError {
  if (error instanceof SesameError) return error;

  // body-parser errors carry an HTTP status and a type.
  const status = (error as { status?: number }).status;
  const type = (error as { type?: string }).type;
  if (status === 413 || type === 'entity.too.large') {
    return new SesameError('payload_too_large', 'The request body is over its size limit', {
      cause: error,
    });
  }
  if (status && status >= 400 && status < 500) {
    return new SesameError('input_invalid', 'The request could not be read', {
      status,
      cause: error,
    });
  }
  return new SesameError('internal', 'Internal error', { cause: error });
}
