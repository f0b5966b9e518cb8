import type { Request, Response } from 'express';
import type { Db } from '../db/index.ts';
import type { Directory } from '../directory/service.ts';
import type { Services } from '../services.ts';
import { scimTypes } from './constants.ts';
import { param, scimBaseUrl, sendScim } from './http.ts';
import { project, type Projection } from './projection.ts';
import { ScimRequestError } from './request-error.ts';
import { isObject } from './schema/names.ts';
import { checkIfMatch, notModified } from './version.ts';

export type Resource = Record<string, unknown>;

/** The reads of one resource type that the generic handlers use. */
export interface ResourceStore<StoredRecord> {
  /** Takes the row lock of the resource for the rest of the transaction. */
  lock(trx: Db, id: string): Promise<void>;
  /** Reads the resource, or throws 404. */
  load(db: Db, id: string): Promise<StoredRecord>;
  represent(record: StoredRecord, scimUrl: string): Resource;
}

export function versionOf(resource: Resource): string {
  return (resource.meta as { version: string }).version;
}

/**
 * Sends one resource with its version as the `ETag` header, after the request's `attributes`
 * or `excludedAttributes`. A GET whose If-None-Match lists the version gets 304 and no body.
 */
export function sendResource(
  req: Request,
  res: Response,
  status: number,
  resource: Resource,
  projection: Projection,
): void {
  const version = versionOf(resource);
  res.setHeader('ETag', version);
  if (req.method === 'GET' && notModified(req, version)) {
    res.status(304).end();
    return;
  }
  if (status === 201) res.location(String((resource.meta as { location: string }).location));
  sendScim(res, status, project(resource, projection));
}

/**
 * Runs a change of one resource in one transaction: locks its row, checks If-Match against the
 * current version, and lets `change` write through the transaction's directory. Returns the
 * resource as it is afterwards, or as it was when `change` returns 'deleted'. A failed check or
 * change rolls everything back.
 */
export async function changeResource<StoredRecord>(
  services: Services,
  req: Request,
  store: ResourceStore<StoredRecord>,
  change: (
    directory: Directory,
    current: StoredRecord,
    resource: Resource,
    trx: Db,
  ) => Promise<void | 'deleted'>,
): Promise<Resource> {
  const id = param(req, 'id');
  const url = scimBaseUrl(req, services.config.baseUrl);
  return services.directory.transaction(async (directory, trx) => {
    await store.lock(trx, id);
    const current = await store.load(trx, id);
    const resource = store.represent(current, url);
    checkIfMatch(req, versionOf(resource));

    const outcome = await change(directory, current, resource, trx);
    return outcome === 'deleted' ? resource : store.represent(await store.load(trx, id), url);
  });
}

/** Rejects a PUT body whose `id` names another resource than the URL (RFC 7644 section 3.5.1). */
export function checkSameId(body: unknown, id: string): void {
  if (!isObject(body) || body.id === undefined || body.id === null || body.id === id) return;
  throw new ScimRequestError(
    400,
    `id is read-only: the body's id ${JSON.stringify(body.id).slice(0, 80)} is not ${id}`,
    scimTypes.mutability,
  );
}
