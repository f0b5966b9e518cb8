import { SesameError } from '../errors.ts';
import { scimTypes, type ScimType } from './constants.ts';

/**
 * A SCIM request that the server rejects, with the HTTP status and the `scimType` of RFC 7644's
 * error response. Its message is the `detail` shown to the client.
 */
export class ScimRequestError extends SesameError {
  readonly scimType: ScimType | undefined;

  constructor(status: number, detail: string, scimType?: ScimType) {
    super(status === 404 ? 'not_found' : 'input_invalid', detail, { status, expose: true });
    this.name = 'ScimRequestError';
    this.scimType = scimType;
  }
}

export function invalidValue(detail: string): ScimRequestError {
  return new ScimRequestError(400, detail, scimTypes.invalidValue);
}

/**
 * Turns a directory `conflict` into 409 `uniqueness`. Wrap only the calls whose conflicts are
 * duplicate names, because the directory also raises `conflict` for the last administrator.
 */
export async function uniquenessOf<T>(change: Promise<T>): Promise<T> {
  try {
    return await change;
  } catch (error) {
    if (error instanceof SesameError && error.code === 'conflict') {
      throw new ScimRequestError(409, error.message, scimTypes.uniqueness);
    }
    throw error;
  }
}

/** The SCIM status and `scimType` of any error a handler raised; faults become a bare 500. */
export function scimFailureOf(error: unknown): {
  status: number;
  detail: string;
  scimType?: ScimType;
} {
  if (error instanceof ScimRequestError) {
    return { status: error.status, detail: error.message, scimType: error.scimType };
  }
  // Express marks client faults it finds itself, such as a malformed %-escape in the path.
  const clientFault = error as { status?: unknown; expose?: unknown } | null;
  if (
    !(error instanceof SesameError) &&
    typeof clientFault?.status === 'number' &&
    clientFault.status >= 400 &&
    clientFault.status < 500
  ) {
    return {
      status: 400,
      detail: 'The request path or query is malformed',
      scimType: scimTypes.invalidSyntax,
    };
  }
  if (!(error instanceof SesameError) || !error.expose) {
    return { status: 500, detail: 'Internal error' };
  }
  if (error.code === 'input_invalid') {
    return { status: 400, detail: error.message, scimType: scimTypes.invalidValue };
  }
  return { status: error.status, detail: error.message };
}
