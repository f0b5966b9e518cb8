import type { Request, RequestHandler, Response } from 'express';
import type { Db } from '../db/index.ts';
import type { Actor, Directory } from '../directory/service.ts';
import type { Services } from '../services.ts';
import type { FilterScope } from './filter/sql.ts';
import { actorOf, param, scimBaseUrl, sendScim } from './http.ts';
import { listResponse, readListQuery, type ListQuery } from './list.ts';
import { applyPatch } from './patch/apply.ts';
import { readPatchBody } from './patch/operations.ts';
import { project, readProjection } from './projection.ts';
import {
  changeResource,
  checkSameId,
  sendResource,
  type ResourceStore,
} from './resource-response.ts';
import type { ResourceShape } from './schema/names.ts';

/** Everything the generic handlers need to serve one resource type. */
export interface ResourceKind<StoredRecord, State> extends ResourceStore<StoredRecord> {
  shape: ResourceShape;
  scope: FilterScope;
  /** Attributes a PATCH may not change. */
  readOnly: string[];
  list(db: Db, query: ListQuery): Promise<{ total: number; records: StoredRecord[] }>;
  /** Reads a POST or PUT body, or a resource that PATCH operations changed. */
  read(body: unknown): State;
  /** Creates the resource in the transaction `trx`; returns its ID. */
  create(directory: Directory, trx: Db, state: State, by: Actor): Promise<string>;
  update(
    directory: Directory,
    trx: Db,
    current: StoredRecord,
    state: State,
    by: Actor,
  ): Promise<void>;
  remove(directory: Directory, current: StoredRecord, by: Actor): Promise<void>;
}

/** The handlers of one resource type's endpoints, by method. */
export interface ResourceHandlers {
  list: RequestHandler;
  post: RequestHandler;
  get: RequestHandler;
  put: RequestHandler;
  patch: RequestHandler;
  delete: RequestHandler;
}

export function resourceHandlers<StoredRecord, State>(
  services: Services,
  kind: ResourceKind<StoredRecord, State>,
): ResourceHandlers {
  const urlOf = (req: Request) => scimBaseUrl(req, services.config.baseUrl);

  return {
    async list(req: Request, res: Response) {
      const query = readListQuery(req, kind.scope);
      const { total, records } = await kind.list(services.db, query);
      const resources = records.map((record) =>
        project(kind.represent(record, urlOf(req)), query.projection),
      );
      sendScim(res, 200, listResponse(total, query, resources));
    },

    async get(req: Request, res: Response) {
      const record = await kind.load(services.db, param(req, 'id'));
      const resource = kind.represent(record, urlOf(req));
      sendResource(req, res, 200, resource, readProjection(req, kind.shape));
    },

    async post(req: Request, res: Response) {
      const state = kind.read(req.body);
      const resource = await services.directory.transaction(async (directory, trx) => {
        const id = await kind.create(directory, trx, state, actorOf(req, res));
        return kind.represent(await kind.load(trx, id), urlOf(req));
      });
      sendResource(req, res, 201, resource, readProjection(req, kind.shape));
    },

    async put(req: Request, res: Response) {
      const state = kind.read(req.body);
      checkSameId(req.body, param(req, 'id'));
      const resource = await changeResource(services, req, kind, (directory, current, _, trx) =>
        kind.update(directory, trx, current, state, actorOf(req, res)),
      );
      sendResource(req, res, 200, resource, readProjection(req, kind.shape));
    },

    async patch(req: Request, res: Response) {
      const operations = readPatchBody(req.body, kind.shape);
      const resource = await changeResource(
        services,
        req,
        kind,
        (directory, current, before, trx) => {
          const state = kind.read(applyPatch(before, operations, kind.readOnly));
          return kind.update(directory, trx, current, state, actorOf(req, res));
        },
      );
      sendResource(req, res, 200, resource, readProjection(req, kind.shape));
    },

    async delete(req: Request, res: Response) {
      await changeResource(services, req, kind, async (directory, current) => {
        await kind.remove(directory, current, actorOf(req, res));
        return 'deleted';
      });
      res.status(204).end();
    },
  };
}
