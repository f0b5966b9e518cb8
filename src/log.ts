import { pino, type Logger } from 'pino';

/**
 * Paths that pino replaces with "[redacted]". Sesame never passes these values to the logger on
 * purpose; the list is the second line of defence for an object logged whole by mistake.
 */
export const redactPaths = [
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'cookie',
  '*.cookie',
  'SAMLResponse',
  '*.SAMLResponse',
  'SAMLRequest',
  '*.SAMLRequest',
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
];

/**
 * Serializes an error with only its name, message, code, status, type, stack and cause. pino's
 * standard serializer copies every property, and body-parser errors carry the raw request body
 * (with passwords and SAML messages) in `body`.
 */
export function serializeError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return typeof error === 'string' ? error : String(error);

  const fields = error as Error & { code?: unknown; status?: unknown; type?: unknown };
  // body-parser's messages can quote the body ("Unexpected token ... is not valid JSON").
  if (typeof fields.type === 'string' && fields.type.startsWith('entity.')) {
    return { type: error.name, status: fields.status, reason: fields.type };
  }
  return {
    type: error.name,
    message: error.message,
    code: fields.code,
    status: fields.status,
    reason: typeof fields.type === 'string' ? fields.type : undefined,
    stack: error.stack,
    cause:
      error.cause !== undefined && depth < 3 ? serializeError(error.cause, depth + 1) : undefined,
  };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: redactPaths, censor: '[redacted]' },
      serializers: { err: serializeError },
      base: { service: 'sesame' },
    },
    destination,
  );
}

export type { Logger };
