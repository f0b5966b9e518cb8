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

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, redact: { paths: redactPaths, censor: '[redacted]' }, base: { service: 'sesame' } },
    destination,
  );
}

export type { Logger };
