import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SesameError } from './errors.ts';

export const secretKeyFileName = 'secret.key';

/**
 * Returns the 32-byte key that encrypts stored secrets and signs session cookies: from
 * `SESAME_SECRET_KEY` when set, else from a file in the data folder, created on first start
 * and readable by the owner only.
 */
export function loadOrCreateSecretKey(dataDir: string, configured?: string): Buffer {
  if (configured) return Buffer.from(configured, 'base64');

  const file = path.join(dataDir, secretKeyFileName);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  }

  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) {
    throw new SesameError('config_invalid', `${file} must contain base64 of exactly 32 bytes`);
  }
  return key;
}
