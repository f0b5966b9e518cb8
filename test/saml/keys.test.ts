import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { certificateFileName, keyFileName, loadOrCreateSigningKey } from '../../src/saml/keys.ts';

let dir: string;
const options = { bits: 2048, validityDays: 3650, commonName: 'idp.example' } as const;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-keys-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('IdP signing key', () => {
  it('generates a key readable by the owner only and a SHA-256 certificate', () => {
    const key = loadOrCreateSigningKey(dir, options);
    expect(fs.statSync(path.join(dir, keyFileName)).mode & 0o777).toBe(0o600);

    const certificate = new X509Certificate(fs.readFileSync(path.join(dir, certificateFileName)));
    expect(certificate.subject).toContain('CN=idp.example');
    expect(certificate.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    const years = (new Date(certificate.validTo).getTime() - Date.now()) / (365.25 * 86_400_000);
    expect(Math.round(years)).toBe(10);
    expect(key.notAfter.getTime()).toBe(new Date(certificate.validTo).getTime());
  });

  it('generates a 3072-bit key when asked', () => {
    const key = loadOrCreateSigningKey(dir, { ...options, bits: 3072 });
    expect(key.privateKey.asymmetricKeyDetails?.modulusLength).toBe(3072);
  });

  it('reuses existing files instead of regenerating', () => {
    const first = loadOrCreateSigningKey(dir, options);
    const second = loadOrCreateSigningKey(dir, options);
    expect(second.fingerprintSha256).toBe(first.fingerprintSha256);
  });

  it('refuses to start when only the certificate is left', () => {
    loadOrCreateSigningKey(dir, options);
    fs.rmSync(path.join(dir, keyFileName));
    expect(() => loadOrCreateSigningKey(dir, options)).toThrow(
      /idp-key.pem is missing while its pair exists/,
    );
    expect(fs.existsSync(path.join(dir, keyFileName))).toBe(false);
  });
});
