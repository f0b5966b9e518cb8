import type { Request } from 'express';

declare module 'express-session' {
  interface SessionData {
    /** A message for the next admin page, set before a redirect after a change. */
    adminNotice?: string;
  }
}

/** Keeps a message to show once on the page the browser is redirected to. */
export function setNotice(req: Request, text: string): void {
  req.session.adminNotice = text;
}

/** Returns the pending message and removes it from the session. */
export function takeNotice(req: Request): string | undefined {
  const notice = req.session.adminNotice;
  delete req.session.adminNotice;
  return notice;
}
