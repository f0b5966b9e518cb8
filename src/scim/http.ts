import type { Request, Response } from 'express';
import type { Actor } from '../directory/service.ts';
import { scimMediaType } from './constants.ts';
import { invalidValue } from './request-error.ts';
import type { ScimClient } from './tokens.ts';

/** Sends a SCIM body with `Content-Type: application/scim+json`. */
export function sendScim(res: Response, status: number, body: unknown): void {
  res.status(status).type(scimMediaType).send(JSON.stringify(body));
}

/** Names the SCIM token behind a request as the actor of a directory change. */
export function actorOf(req: Request, res: Response): Actor {
  const client = res.locals.scimToken as ScimClient;
  return { actor: `${client.name} (SCIM token)`, sourceIp: req.ip ?? null };
}

/** Returns the absolute URL of the SCIM server, for `meta.location`, `$ref` and `Location`. */
export function scimBaseUrl(req: Request, sesameBaseUrl: string): string {
  return `${sesameBaseUrl}${req.baseUrl}`;
}

/** Reads a path parameter; SCIM routes have no wildcards, so each is one string. */
export function param(req: Request, name: string): string {
  return String(req.params[name]);
}

/** Reads one query parameter, rejecting one given twice. */
export function queryParameter(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined || typeof value === 'string') return value;
  throw invalidValue(`Query parameter "${name}" must be given once`);
}
