/**
 * Sesame's error base and its stable codes. Each code names one failure that a caller or an
 * operator can act on. `expose` controls whether the message may be shown to the client, while
 * operator detail goes into `cause` and the log.
 */

export const errorCodes = {
  config_invalid: 'Configuration is invalid.',
  input_invalid: 'A value given by the caller is invalid.',
  not_found: 'The named object does not exist.',
  conflict: 'The object already exists.',
  unauthorized: 'Authentication is missing or failed.',
  forbidden: 'The authenticated user may not do this.',
  not_assigned: 'The user is not assigned to the application.',
  application_inactive: 'SSO to the application is deactivated.',
  csrf_invalid: 'The form was submitted without a valid CSRF token.',
  too_many_attempts: 'Too many failed sign-ins; try again later.',
  payload_too_large: 'The request body or message is over its size limit.',
  saml_request_invalid: 'The SAML AuthnRequest is malformed or fails a check.',
  saml_acs_unregistered: 'The requested ACS URL is not registered for the application.',
  saml_issuer_mismatch: "The AuthnRequest Issuer is not the application's SP entity ID.",
  saml_signature_invalid: 'The AuthnRequest signature is missing or does not verify.',
  saml_request_expired: 'The AuthnRequest is too old or from the future.',
  saml_request_replayed: 'The AuthnRequest ID has been seen before.',
  saml_nameid_policy_unsupported: 'The requested NameID format is not supported.',
  server_busy: 'Too many requests are being processed; try again shortly.',
  scim_check_failed:
    'The SCIM Base URL and Token Key did not pass the check: unreachable, TLS, 401, 403 or not a SCIM API.',
  scim_call_failed: "A call to the service provider's SCIM API failed.",
  internal: 'An internal error occurred.',
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface SesameErrorOptions {
  status?: number;
  expose?: boolean;
  cause?: unknown;
}

export class SesameError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;

  constructor(code: ErrorCode, message: string, options: SesameErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'SesameError';
    this.code = code;
    this.status = options.status ?? defaultStatus(code);
    this.expose = options.expose ?? this.status < 500;
  }
}

/** SAML top-level and second-level status codes carried by a SAML error sent back to the SP. */
export interface SamlStatus {
  top: string;
  second?: string;
}

/** An AuthnRequest failure that may be returned to the SP as a SAML status, once the ACS is trusted. */
export class SamlError extends SesameError {
  readonly samlStatus: SamlStatus;

  constructor(
    code: ErrorCode,
    message: string,
    samlStatus: SamlStatus,
    options: SesameErrorOptions = {},
  ) {
    super(code, message, options);
    this.name = 'SamlError';
    this.samlStatus = samlStatus;
  }
}

function defaultStatus(code: ErrorCode): number {
  switch (code) {
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    case 'unauthorized':
      return 401;
    case 'forbidden':
    case 'not_assigned':
    case 'application_inactive':
    case 'csrf_invalid':
      return 403;
    case 'too_many_attempts':
      return 429;
    case 'payload_too_large':
      return 413;
    case 'internal':
    case 'config_invalid':
      return 500;
    case 'scim_call_failed':
      return 502;
    default:
      return 400;
  }
}
