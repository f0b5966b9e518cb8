import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { PendingSsoRequest } from './session.ts';

const resumeLifetimeMs = 2 * 60 * 1000;

function resumeKey(secretKey: Buffer): Buffer {
  return Buffer.from(
    hkdfSync('sha256', secretKey, Buffer.alloc(0), 'sesame saml resume token', 32),
  );
}

/**
 * Seals a checked AuthnRequest into an encrypted, authenticated token (AES-256-GCM) that lives
 * two minutes. An HTTP-POST request arrives cross-site without the SameSite=Lax session cookie,
 * so Sesame redirects the browser to itself with this token and reads the session there.
 */
export function sealPending(pending: PendingSsoRequest, secretKey: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', resumeKey(secretKey), iv);
  const payload = JSON.stringify({ pending, expiresAt: Date.now() + resumeLifetimeMs });
  const sealed = Buffer.concat([cipher.update(payload, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** Opens a token from `sealPending`; returns undefined if it was altered or has expired. */
export function openPending(token: string, secretKey: Buffer): PendingSsoRequest | undefined {
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length < 29 || bytes.length > 16 * 1024) return undefined;

  try {
    const decipher = createDecipheriv('aes-256-gcm', resumeKey(secretKey), bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    const payload = Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString(
      'utf8',
    );
    const { pending, expiresAt } = JSON.parse(payload) as {
      pending: PendingSsoRequest;
      expiresAt: number;
    };
    return expiresAt > Date.now() ? pending : undefined;
  } catch {
    return undefined;
  }
}

const maxPendingPerSession = 5;

/** Adds a pending request to the session under a new handle, keeping the newest few. */
export function addPending(
  store: Record<string, PendingSsoRequest> | undefined,
  pending: PendingSsoRequest,
): { handle: string; store: Record<string, PendingSsoRequest> } {
  const handle = randomBytes(16).toString('hex');
  const entries = Object.entries(store ?? {})
    .sort(([, a], [, b]) => b.receivedAt - a.receivedAt)
    .slice(0, maxPendingPerSession - 1);
  return { handle, store: Object.fromEntries([...entries, [handle, pending]]) };
}
