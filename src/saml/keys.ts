import {
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { SesameError } from '../errors.ts';

export const keyFileName = 'idp-key.pem';
export const certificateFileName = 'certificate.pem';

/** The IdP's signing key, parsed once, and its certificate in the forms that SAML needs. */
export interface SigningKey {
  privateKey: KeyObject;
  certificatePem: string;
  /** Base64 of the certificate's DER, as carried in `ds:X509Certificate` and metadata. */
  certificateBase64: string;
  notAfter: Date;
  fingerprintSha256: string;
}

export interface KeyOptions {
  bits: 2048 | 3072 | 4096;
  validityDays: number;
  /** Common name of the self-signed certificate, usually the host of the base URL. */
  commonName: string;
}

/**
 * Loads the signing key and certificate from `certsDir`, generating both on first start. It never
 * writes over an existing file: if only one of the two exists, it stops with an error, because a
 * new pair would break every SP that trusts the old certificate.
 */
export function loadOrCreateSigningKey(certsDir: string, options: KeyOptions): SigningKey {
  const keyPath = path.join(certsDir, keyFileName);
  const certPath = path.join(certsDir, certificateFileName);
  const haveKey = fs.existsSync(keyPath);
  const haveCert = fs.existsSync(certPath);

  if (haveKey !== haveCert) {
    const missing = haveKey ? certPath : keyPath;
    throw new SesameError(
      'config_invalid',
      `${missing} is missing while its pair exists; restore it from backup, or move both files away to generate a new pair`,
    );
  }

  if (!haveKey) {
    const generated = generateSelfSigned(options);
    fs.mkdirSync(certsDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(keyPath, generated.keyPem, { mode: 0o600, flag: 'wx' });
    fs.writeFileSync(certPath, generated.certificatePem, { mode: 0o644, flag: 'wx' });
  }

  return parseSigningKey(fs.readFileSync(keyPath, 'utf8'), fs.readFileSync(certPath, 'utf8'));
}

/** Parses a PEM key and certificate and checks that they belong together. */
export function parseSigningKey(keyPem: string, certificatePem: string): SigningKey {
  const privateKey = createPrivateKey(keyPem);
  const certificate = new X509Certificate(certificatePem);

  if (!certificate.checkPrivateKey(privateKey)) {
    throw new SesameError(
      'config_invalid',
      'The IdP certificate does not match the IdP signing key',
    );
  }

  return {
    privateKey,
    certificatePem: certificate.toString(),
    certificateBase64: certificate.raw.toString('base64'),
    notAfter: new Date(certificate.validTo),
    fingerprintSha256: certificate.fingerprint256,
  };
}

/**
 * Generates an RSA key with Node's crypto (much faster than node-forge's pure JavaScript) and a
 * self-signed SHA-256 certificate with node-forge.
 */
export function generateSelfSigned(options: KeyOptions): {
  keyPem: string;
  certificatePem: string;
} {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: options.bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });

  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKey);
  // A positive serial of 16 random bytes, because RFC 5280 allows at most 20 octets.
  certificate.serialNumber = '01' + randomBytes(15).toString('hex');
  certificate.validity.notBefore = new Date(Date.now() - 60_000);
  certificate.validity.notAfter = new Date(Date.now() + options.validityDays * 86_400_000);

  const subject = [
    { name: 'commonName', value: options.commonName },
    { name: 'organizationName', value: 'Sesame IdP' },
  ];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, critical: true },
  ]);
  certificate.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());

  // node-forge writes CRLF line ends; LF matches what Sesame serves and what tools expect.
  return {
    keyPem: privateKey,
    certificatePem: forge.pki.certificateToPem(certificate).replace(/\r\n/g, '\n'),
  };
}
