import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import { SesameError, type SesameErrorOptions } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { bearerChallenge } from './auth.ts';

/** An `input_invalid` error that names the field at fault by its dotted path. */
export class FieldError extends SesameError {
  readonly field: string;

  constructor(field: string, message: string, options: SesameErrorOptions = {}) {
    super('input_invalid', message, options);
    this.name = 'FieldError';
    this.field = field;
  }
}

/** The body of every API error response. */
export interface ErrorBody {
  error: { code: SesameError['code']; message: string; field?: string };
}

/** Returns the dotted path of a zod issue; for an unknown key, the path of that key. */
export function issueField(issue: z.core.$ZodIssue): string | undefined {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' && issue.keys[0]) path.push(issue.keys[0]);
  return path.length > 0 ? path.join('.') : undefined;
}

/**
 * Services word their input errors as `Invalid input: <dotted.field> <rule>`; this reads the
 * field back from such a message. `value` is what parseInput writes for the body as a whole.
 */
const fieldInMessage = /^Invalid input: ([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*) /;

function fieldOf(error: SesameError): string | undefined {
  if (error instanceof FieldError) return error.field;
  if (error.code !== 'input_invalid') return undefined;
  const field = fieldInMessage.exec(error.message)?.[1];
  return field === 'value' ? undefined : field;
}

export const unknownRoute: RequestHandler = (req) => {
  throw new SesameError(
    'not_found',
    `No API route ${req.method} ${(req.baseUrl + req.path).slice(0, 200)}`,
  );
};

/**
 * Sends every error as JSON with the SesameError's status. Client errors are logged at info with
 * their message; faults are logged at error with their detail and shown only as "internal error".
 */
export function apiErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);

    const known = toSesameError(error);
    const log = {
      err: error,
      code: known.code,
      status: known.status,
      method: req.method,
      path: req.path,
    };
    if (known.status >= 500) logger.error(log, 'request failed');
    else logger.info(log, 'request rejected');

    if (known.status === 401) res.setHeader('WWW-Authenticate', bearerChallenge);
    const field = fieldOf(known);
    const body: ErrorBody = {
      error: {
        code: known.code,
        message: known.expose ? known.message : 'internal error',
        ...(field !== undefined && { field }),
      },
    };
    res.status(known.status).setHeader('Cache-Control', 'no-store').json(body);
  };
}

/** Maps body-parser's errors, which carry an HTTP status and a `type`, to SesameErrors. */
function toSesameError(error: unknown): SesameError {
  if (error instanceof SesameError) return error;

  const { status, type, limit } = (error ?? {}) as {
    status?: number;
    type?: string;
    limit?: number;
  };
  if (type === 'entity.too.large') {
    const size = limit === undefined ? 'its size limit' : `${limit / 1024} KiB`;
    return new SesameError('payload_too_large', `The request body is over ${size}`, {
      cause: error,
    });
  }
  if (type === 'entity.parse.failed') {
    return new SesameError('input_invalid', 'The request body is not valid JSON', {
      cause: error,
    });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    // For example 415 'unsupported content encoding "zstd"' or 400 'request aborted'.
    const detail = String((error as Error).message).slice(0, 200);
    return new SesameError('input_invalid', `The request body could not be read: ${detail}`, {
      status,
      cause: error,
    });
  }
  return new SesameError('internal', 'Internal error', { cause: error });
}
