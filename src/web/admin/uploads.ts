import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { SesameError } from '../../errors.ts';

/**
 * Largest file a form takes, read into memory. It is above the tile image and metadata limits
 * (256 KiB each), so a file a little over those gets a message next to its field, and it
 * stops a larger upload while it streams.
 */
export const maxUploadBytes = 1024 * 1024;

const parser = multer({
  storage: multer.memoryStorage(),
  limits: {
    fileSize: maxUploadBytes,
    files: 1,
    fields: 400,
    fieldSize: 64 * 1024,
    fieldNameSize: 100,
    parts: 401,
    // Admin forms repeat plain names for rows, and never use indexed names such as `a[3]`.
    fieldArrayIndexLimit: 0,
  },
});

/**
 * Parses a multipart/form-data body into `req.body` (and `req.file` when `fileField` is given),
 * before the CSRF check reads `_csrf` from it. Other bodies pass through untouched, so the same
 * route also takes a URL-encoded form. Multer's errors become Sesame's, so that they render as
 * an error page with a 4xx status instead of an internal error.
 */
export function multipartForm(fileField?: string): RequestHandler {
  const handler = fileField ? parser.single(fileField) : parser.none();
  return (req: Request, res: Response, next: NextFunction) => {
    handler(req, res, (error?: unknown) => next(error && toSesameError(error)));
  };
}

function toSesameError(error: unknown): unknown {
  if (error instanceof SesameError) return error;
  if (!(error instanceof multer.MulterError)) {
    // busboy's own errors ("Unexpected end of form", "Boundary not found") are bad requests too.
    return new SesameError('input_invalid', 'The form could not be read: the upload is malformed', {
      cause: error,
    });
  }
  if (error.code === 'LIMIT_FILE_SIZE') {
    return new SesameError('payload_too_large', `The file is over ${maxUploadBytes / 1024} KiB`, {
      cause: error,
    });
  }
  return new SesameError('input_invalid', `The form could not be read: ${error.message}`, {
    cause: error,
  });
}

/** Returns the bytes of the uploaded file, or undefined when the field was left empty. */
export function uploadedFile(req: Request): Buffer | undefined {
  const file = req.file;
  if (!file || file.size === 0) return undefined;
  return file.buffer;
}
