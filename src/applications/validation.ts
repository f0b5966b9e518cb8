import { X509Certificate } from 'node:crypto';
import { SesameError } from '../errors.ts';

export const slugPattern = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
export const subdomainPattern = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

export function checkSlug(slug: string): string {
  if (!slugPattern.test(slug)) {
    throw new SesameError(
      'input_invalid',
      `Invalid application name "${slug}": use 1-64 lower-case letters, digits and hyphens, not starting or ending with a hyphen`,
    );
  }
  return slug;
}

/**
 * Checks an ACS URL: an absolute https URL, or http only on a loopback host for local testing.
 * `javascript:` and `data:` URLs are rejected because the auto-submit form would run them.
 */
export function checkAcsUrl(value: string, field = 'ACS URL'): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SesameError('input_invalid', `Invalid ${field} "${value}": not an absolute URL`);
  }

  const httpsOrLoopback =
    url.protocol === 'https:' || (url.protocol === 'http:' && loopbackHosts.has(url.hostname));
  if (!httpsOrLoopback) {
    throw new SesameError(
      'input_invalid',
      `Invalid ${field} "${value}": must use https (http is allowed only for localhost)`,
    );
  }
  if (url.username || url.password) {
    throw new SesameError(
      'input_invalid',
      `Invalid ${field} "${value}": must not contain credentials`,
    );
  }
  return value;
}

export function checkEntityId(value: string): string {
  if (value.length === 0 || value.length > 1024 || /[\u0000-\u0020\u007f]/.test(value)) {
    throw new SesameError(
      'input_invalid',
      `Invalid SP entity ID "${value}": must be 1-1024 characters without spaces or control characters`,
    );
  }
  return value;
}

/**
 * Normalizes an SP certificate to PEM. Accepts PEM with or without the BEGIN/END lines, as
 * administrators paste both forms; throws if it is not an X.509 certificate.
 */
export function normalizeCertificate(text: string): string {
  const body = text.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  const lines = body.match(/.{1,64}/g) ?? [];
  const pem = `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;

  try {
    new X509Certificate(pem);
  } catch (error) {
    throw new SesameError('input_invalid', 'Invalid SP certificate: not a PEM X.509 certificate', {
      cause: error,
    });
  }
  return pem;
}
