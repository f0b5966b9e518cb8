import type { NextFunction, Request, Response } from 'express';

export interface RequestRecord {
  method: string;
  /** The path with its query string, as sent. */
  path: string;
  body: unknown;
  /** The response status, or 0 when the connection closed before a response was sent. */
  status: number;
}

/** Which requests `findRequests` and `countRequests` select; each field left out matches all. */
export interface RequestQuery {
  /** HTTP method, matched without regard to case. */
  method?: string;
  /** The SCIM resource type after the Base URL, such as `Users` or `Me`. */
  resource?: 'Users' | 'Groups' | 'ServicePrincipals' | 'Me';
  /** The resource ID after the type, as in `/Users/{id}`, compared as sent (not URL-decoded). */
  id?: string;
  /** A pattern tested against the whole path, query string included. */
  path?: RegExp;
  status?: number;
}

/**
 * Records each request once: when its response finishes, or with status 0 when the client or
 * the server closes the connection first, as with a request that an injected hang leaves open.
 */
export function recordRequests(record: (entry: RequestRecord) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    let recorded = false;
    const add = (status: number) => {
      if (recorded) return;
      recorded = true;
      record({ method: req.method, path: req.originalUrl, body: req.body, status });
    };
    res.on('finish', () => add(res.statusCode));
    res.on('close', () => add(res.writableFinished ? res.statusCode : 0));
    next();
  };
}

/** Selects the recorded requests that match every field of `query`, oldest first. */
export function findRequests(requests: RequestRecord[], query: RequestQuery): RequestRecord[] {
  return requests.filter((request) => matchesQuery(request, query));
}

/** Counts the recorded requests that match every field of `query`. */
export function countRequests(requests: RequestRecord[], query: RequestQuery): number {
  return findRequests(requests, query).length;
}

function matchesQuery(request: RequestRecord, query: RequestQuery): boolean {
  if (query.method !== undefined && request.method !== query.method.toUpperCase()) return false;
  if (query.status !== undefined && request.status !== query.status) return false;
  if (query.path !== undefined && request.path.search(query.path) === -1) return false;

  const target = scimTarget(request.path);
  if (query.resource !== undefined && target.resource !== query.resource) return false;
  return query.id === undefined || target.id === query.id;
}

/** Splits `.../scim/v2/Users/123?x=y` into the resource type and ID after the Base URL. */
function scimTarget(path: string): { resource?: string; id?: string } {
  const match = /\/scim\/v2\/([^/?]+)(?:\/([^/?]+))?/.exec(path);
  return { resource: match?.[1], id: match?.[2] };
}
