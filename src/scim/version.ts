import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { ScimRequestError } from './request-error.ts';

/**
 * Returns the weak ETag of a resource: a hash of its JSON without `meta.version`. It is weak
 * (RFC 7232 section 2.1) because it identifies the representation's content, not its bytes.
 */
export function versionOf(resource: unknown): string {
  const hash = createHash('sha256').update(JSON.stringify(resource)).digest('base64url');
  return `W/"${hash.slice(0, 27)}"`;
}

/** Strips the weak prefix of an entity tag, so that `W/"x"` and `"x"` compare equal. */
function opaque(tag: string): string {
  return tag.trim().replace(/^W\//, '');
}

/** Tells whether an If-Match or If-None-Match header lists `version` or is `*`. */
function listsVersion(header: string, version: string): boolean {
  if (header.trim() === '*') return true;
  const tags = header.match(/(?:W\/)?"[^"]*"/g) ?? [];
  return tags.some((tag) => opaque(tag) === opaque(version));
}

/**
 * Rejects a change with 412 when If-Match names no current version (RFC 7644 section 3.14).
 * The comparison is weak, because SCIM versions are weak ETags that clients send back as is.
 */
export function checkIfMatch(req: Request, version: string): void {
  const header = req.get('if-match');
  if (header === undefined || listsVersion(header, version)) return;
  throw new ScimRequestError(
    412,
    `If-Match does not match the current version ${version}; read the resource again and retry`,
  );
}

/** Tells whether a GET gets 304 Not Modified because its If-None-Match lists `version`. */
export function notModified(req: Request, version: string): boolean {
  const header = req.get('if-none-match');
  return header !== undefined && listsVersion(header, version);
}
