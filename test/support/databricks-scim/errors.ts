import type { NextFunction, Request, Response } from 'express';
import { unparsableDetail, urn } from './constants.ts';

export type ScimType =
  | 'invalidValue'
  | 'invalidPath'
  | 'invalidSyntax'
  | 'invalidFilter'
  | 'noTarget'
  | 'uniqueness'
  | 'mutability';

/** A failure that the emulator returns as an RFC 7644 error body. */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimType,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export const unparsable = (): ScimError => new ScimError(400, unparsableDetail, 'invalidSyntax');

export const notFound = (what: string, id: string): ScimError =>
  new ScimError(404, `${what} ${id} not found.`);

/** Builds the body Databricks sends with every error: `status` is a string, `scimType` optional. */
export function errorBody(error: ScimError): Record<string, unknown> {
  return {
    schemas: [urn.error],
    detail: error.detail,
    status: String(error.status),
    ...(error.scimType ? { scimType: error.scimType } : {}),
  };
}

export function sendScimError(res: Response, error: ScimError): void {
  res.set(error.headers).status(error.status).type('application/scim+json');
  res.send(JSON.stringify(errorBody(error)));
}

/** Express error handler: SCIM errors as thrown, malformed JSON as invalidSyntax, others as 500. */
export function renderScimError(
  error: unknown,
  _req: Request,
  res: Response,
  _next: NextFunction,
): void {
  if (error instanceof ScimError) {
    sendScimError(res, error);
    return;
  }
  if (isBodyParserError(error)) {
    sendScimError(res, unparsable());
    return;
  }
  sendScimError(res, new ScimError(500, error instanceof Error ? error.message : 'null'));
}

function isBodyParserError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'type' in error && 'status' in error;
}
