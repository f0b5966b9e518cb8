import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { SesameError } from '../errors.ts';

const version = 'v1';

/**
 * Derives the key that encrypts Token Keys from Sesame's secret key, so that the database alone
 * does not reveal them and the same secret key is not used for two purposes.
 */
function tokenKey(secretKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), 'sesame idm token key', 32));
}

/**
 * Encrypts a Token Key with AES-256-GCM. The application ID is the associated data, so a
 * ciphertext copied to another application's row does not decrypt.
 */
export function encryptToken(secretKey: Buffer, applicationId: string, token: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', tokenKey(secretKey), iv);
  cipher.setAAD(Buffer.from(applicationId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return [version, iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** Decrypts a Token Key; fails with `internal` when the secret key has changed or the row was altered. */
export function decryptToken(secretKey: Buffer, applicationId: string, stored: string): string {
  const [storedVersion, iv, tag, ciphertext] = stored.split('.');
  try {
    if (storedVersion !== version || !iv || !tag || ciphertext === undefined)
      throw new Error('unknown format');
    const decipher = createDecipheriv(
      'aes-256-gcm',
      tokenKey(secretKey),
      Buffer.from(iv, 'base64url'),
    );
    decipher.setAAD(Buffer.from(applicationId, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(ciphertext, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  } catch (error) {
    throw new SesameError(
      'internal',
      'The stored Token Key cannot be decrypted: the secret key has changed or the row was altered; enter the Token Key again',
      { cause: error },
    );
  }
}
