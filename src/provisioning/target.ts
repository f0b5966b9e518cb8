import { isIPv4 } from 'node:net';
import { SesameError } from '../errors.ts';

export type TargetLevel = 'account' | 'workspace';

export interface ScimTarget {
  /** The Base URL without a trailing slash. */
  baseUrl: string;
  level: TargetLevel;
  /**
   * The key of the rate limit bucket. Databricks limits SCIM calls per account, so Base URLs that
   * name the same account ID on the same host share one bucket; the host is part of the key so
   * that another server naming the same ID cannot slow this one down. Other URLs get one bucket
   * per origin.
   */
  rateKey: string;
}

const accountPath = /^\/api\/2\.[01]\/accounts\/([^/]+)\/scim\/v2$/;
const workspacePath = /\/preview\/scim\/v2$/;
const loopbackHosts = new Set(['localhost', '[::1]']);

/**
 * Tells whether a URL's hostname is a loopback host. Addresses in 127.0.0.0/8 count only as IPv4
 * literals, because a DNS name such as `127.example.com` can resolve to any address.
 */
function isLoopback(hostname: string): boolean {
  return loopbackHosts.has(hostname) || (isIPv4(hostname) && hostname.startsWith('127.'));
}

/**
 * Checks a SCIM Base URL and reads its level and rate-limit key from it. Plain `http` is
 * accepted only for loopback hosts, because the Token Key travels with every request.
 */
export function parseBaseUrl(input: string, override: 'auto' | TargetLevel = 'auto'): ScimTarget {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new SesameError('input_invalid', 'Base URL must be an absolute https URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new SesameError('input_invalid', 'Base URL must use https');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new SesameError(
      'input_invalid',
      'Base URL must not contain credentials, a query or a fragment; the Token Key goes in its own field',
    );
  }
  const pathname = url.pathname.replace(/\/+$/, '');
  const baseUrl = `${url.origin}${pathname}`;
  const account = accountPath.exec(pathname)?.[1];
  const level: TargetLevel =
    override !== 'auto' ? override : workspacePath.test(pathname) ? 'workspace' : 'account';
  return {
    baseUrl,
    level,
    rateKey: account
      ? `account:${url.hostname}:${decodeURIComponent(account).toLowerCase()}`
      : `origin:${url.origin}`,
  };
}
