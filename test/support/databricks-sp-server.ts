import { createHash, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { inflateRawSync } from 'node:zlib';
import forge from 'node-forge';
import {
  createDatabricksSp,
  type DatabricksSp,
  type DatabricksSpOptions,
} from './databricks-sp.ts';

/**
 * Serves the stand-in Databricks SP (`databricks-sp.ts`) on a loopback port, over HTTPS with a
 * test-only certificate when its origin is https, and adds what browser tests and the demo need:
 *
 * - `GET /post-binding/...` starts sign-in like `GET /...`, but sends the AuthnRequest to the IdP
 *   by the HTTP-POST binding instead of HTTP-Redirect.
 * - A log of every request, so a test can check that the SP received nothing.
 */

/** Path prefix that makes the SP send its AuthnRequest by HTTP-POST. */
export const postBindingPrefix = '/post-binding';

export interface DatabricksSpServerOptions extends Omit<DatabricksSpOptions, 'acsUrl'> {
  /**
   * Origin that the browser uses for the SP, such as `https://dbc-e2e.cloud.databricks.com` or
   * `http://localhost:8081`. The ACS URL is this origin plus `/saml/consume`.
   */
  origin: string;
  /** Port on 127.0.0.1 to listen on. The default, 0, picks a free port. */
  port?: number;
}

export interface SpRequest {
  method: string;
  /** Path and query as received, before the POST-binding prefix is removed. */
  url: string;
}

export interface DatabricksSpServer extends DatabricksSp {
  origin: string;
  acsUrl: string;
  /** The port the server listens on at 127.0.0.1. */
  port: number;
  /**
   * Base64 SHA-256 of the TLS certificate's SubjectPublicKeyInfo, the form that Chromium's
   * `--ignore-certificate-errors-spki-list` takes. Undefined when the origin is http.
   */
  spkiSha256: string | undefined;
  /** Every request received, oldest first. */
  requests: SpRequest[];
  close(): Promise<void>;
}

export interface TestTlsCertificate {
  keyPem: string;
  certificatePem: string;
  spkiSha256: string;
}

/** Starts the stand-in SP on 127.0.0.1 and resolves once it is listening. */
export async function startDatabricksSpServer(
  options: DatabricksSpServerOptions,
): Promise<DatabricksSpServer> {
  const { origin, port = 0, ...spOptions } = options;
  const url = new URL(origin);
  const acsUrl = `${url.origin}/saml/consume`;
  const sp = createDatabricksSp({ ...spOptions, acsUrl });
  const requests: SpRequest[] = [];

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    routePostBinding(req, res);
    void sp.app(req, res);
  };

  const tls = url.protocol === 'https:' ? createTestTlsCertificate(url.hostname) : undefined;
  const server = tls
    ? https.createServer({ key: tls.keyPem, cert: tls.certificatePem }, listener)
    : http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });

  return {
    ...sp,
    origin: url.origin,
    acsUrl,
    port: (server.address() as AddressInfo).port,
    spkiSha256: tls?.spkiSha256,
    requests,
    close: () => closeServer(server),
  };
}

/**
 * Strips the POST-binding prefix and replaces `res.redirect` for this request, so that the SP's
 * redirect to the IdP becomes an auto-submitting form. The SP's own SAML instance still writes
 * the AuthnRequest and remembers its ID, so the ACS accepts a Response with that InResponseTo.
 */
function routePostBinding(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '';
  if (path !== postBindingPrefix && !path.startsWith(`${postBindingPrefix}/`)) return;

  req.url = path.slice(postBindingPrefix.length) || '/';
  // The SP calls `res.redirect(url)` only to send the browser to the IdP.
  Object.assign(res, {
    redirect: (location: string) => sendAuthnRequestByPost(res, location),
  });
}

/**
 * Converts an HTTP-Redirect binding URL into an auto-submitting HTTP-POST binding page. The
 * SAMLRequest is inflated and sent as plain base64, with the RelayState beside it. This works
 * only for an unsigned request, because a redirect signature covers the query string.
 */
function sendAuthnRequestByPost(res: ServerResponse, location: string): void {
  const target = new URL(location);
  const deflated = target.searchParams.get('SAMLRequest');
  if (!deflated) throw new Error(`The redirect to ${target.origin} has no SAMLRequest`);
  if (target.searchParams.has('Signature')) {
    throw new Error('A signed HTTP-Redirect AuthnRequest cannot be resent by HTTP-POST');
  }

  const relayState = target.searchParams.get('RelayState');
  const samlRequest = inflateRawSync(Buffer.from(deflated, 'base64')).toString('base64');
  target.search = '';

  const fields = [`<input type="hidden" name="SAMLRequest" value="${samlRequest}">`];
  if (relayState !== null) {
    fields.push(`<input type="hidden" name="RelayState" value="${escapeHtml(relayState)}">`);
  }
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(
    '<!doctype html><html><head><meta charset="utf-8"><title>Redirecting to the IdP</title></head>' +
      `<body><form method="post" action="${escapeHtml(target.href)}">${fields.join('')}</form>` +
      '<script>document.forms[0].submit()</script></body></html>',
  );
}

/**
 * Generates a self-signed RSA-2048 server certificate for `hostname`, valid for one day, with
 * the host name in subjectAltName, because Chromium (since version 58) does not match the common
 * name. Nothing writes it to disk.
 */
export function createTestTlsCertificate(hostname: string): TestTlsCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });

  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKey);
  certificate.serialNumber = '01' + randomBytes(15).toString('hex');
  certificate.validity.notBefore = new Date(Date.now() - 60_000);
  certificate.validity.notAfter = new Date(Date.now() + 86_400_000);

  const subject = [{ name: 'commonName', value: hostname }];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: hostname }] },
  ]);
  certificate.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());

  const spkiDer = createPublicKey(publicKey).export({ type: 'spki', format: 'der' });
  return {
    keyPem: privateKey,
    certificatePem: forge.pki.certificateToPem(certificate),
    spkiSha256: createHash('sha256').update(spkiDer).digest('base64'),
  };
}

/** Closes the server, dropping kept-alive browser connections so that close does not wait. */
export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
