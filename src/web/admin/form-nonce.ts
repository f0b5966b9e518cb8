import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { textField } from './forms.ts';

declare module 'express-session' {
  interface SessionData {
    /** One-time value of the API key form; a reload that posts it again creates nothing. */
    apiKeyFormNonce?: string;
    /** One-time value of the SCIM token form; a reload that posts it again creates nothing. */
    scimTokenFormNonce?: string;
  }
}

/** Session field of a form that creates a secret shown once. */
export type FormNonceField = 'apiKeyFormNonce' | 'scimTokenFormNonce';

/**
 * Stores a fresh one-time value for the form in the session and returns it for the page's
 * hidden `formNonce` field, so reloading the "created" page cannot create a second secret.
 */
export function issueFormNonce(req: Request, field: FormNonceField): string {
  const nonce = randomBytes(16).toString('hex');
  req.session[field] = nonce;
  return nonce;
}

/**
 * Uses up the form's one-time value and returns whether the posted form was already submitted.
 * The page always sends the value, so a value that was already used means the browser re-posted.
 */
export function isResubmitted(req: Request, field: FormNonceField): boolean {
  const posted = textField(req.body, 'formNonce');
  const expected = req.session[field];
  delete req.session[field];
  return posted !== '' && posted !== expected;
}
