import type { Response } from 'express';
import { messages, scimMediaType, type ScimType } from './constants.ts';

/** The body of a SCIM error response (RFC 7644). */
export interface ScimErrorBody {
  schemas: [typeof messages.error];
  /** The HTTP status code as a string, as the RFC requires. */
  status: string;
  scimType?: ScimType;
  detail: string;
}

export function scimErrorBody(status: number, detail: string, scimType?: ScimType): ScimErrorBody {
  const body: ScimErrorBody = { schemas: [messages.error], status: String(status), detail };
  if (scimType) body.scimType = scimType;
  return body;
}

/**
 * Sends a SCIM error response: `status`, content type `application/scim+json` and the error body.
 * `detail` is shown to the client, so it must hold no secret and no server-side detail.
 */
export function scimError(
  res: Response,
  status: number,
  detail: string,
  scimType?: ScimType,
): Response {
  return res
    .status(status)
    .type(scimMediaType)
    .send(JSON.stringify(scimErrorBody(status, detail, scimType)));
}
