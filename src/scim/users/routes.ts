import type { Request, Response } from 'express';
import type { Services } from '../../services.ts';
import { actorOf, param, scimBaseUrl, sendScim } from '../http.ts';
import { listResponse, readListQuery } from '../list.ts';
import { applyPatch } from '../patch/apply.ts';
import { readPatchBody } from '../patch/operations.ts';
import { project, readProjection } from '../projection.ts';
import {
  changeResource,
  checkSameId,
  sendResource,
  type ResourceStore,
} from '../resource-response.ts';
import { userShape } from '../schema/names.ts';
import { createUser, updateUser } from './apply.ts';
import { readUser } from './input.ts';
import { userResource } from './representation.ts';
import { userFilterScope } from './scope.ts';
import { listUserRecords, lockUser, requireUserRecord, type UserRecord } from './store.ts';

/** Attributes a PATCH may not change; a user's `groups` change through /Groups. */
const readOnlyAttributes = ['id', 'groups', 'meta'];

const users: ResourceStore<UserRecord> = {
  lock: lockUser,
  load: requireUserRecord,
  represent: userResource,
};

export function listUsers(services: Services) {
  return async function listUsers(req: Request, res: Response) {
    const query = readListQuery(req, userFilterScope);
    const { total, records } = await listUserRecords(services.db, query);
    const url = scimBaseUrl(req, services.config.baseUrl);
    const resources = records.map((record) => project(userResource(record, url), query.projection));
    sendScim(res, 200, listResponse(total, query, resources));
  };
}

export function getUser(services: Services) {
  return async function getUser(req: Request, res: Response) {
    const record = await requireUserRecord(services.db, param(req, 'id'));
    const resource = userResource(record, scimBaseUrl(req, services.config.baseUrl));
    sendResource(req, res, 200, resource, readProjection(req, userShape));
  };
}

export function postUser(services: Services) {
  return async function postUser(req: Request, res: Response) {
    const state = readUser(req.body);
    const url = scimBaseUrl(req, services.config.baseUrl);
    const resource = await services.directory.transaction(async (directory, trx) => {
      const user = await createUser(directory, state, actorOf(req, res));
      return userResource(await requireUserRecord(trx, user.id), url);
    });
    sendResource(req, res, 201, resource, readProjection(req, userShape));
  };
}

export function putUser(services: Services) {
  return async function putUser(req: Request, res: Response) {
    const state = readUser(req.body);
    checkSameId(req.body, param(req, 'id'));
    const resource = await changeResource(services, req, users, (directory, current) =>
      updateUser(directory, current.row, state, actorOf(req, res)),
    );
    sendResource(req, res, 200, resource, readProjection(req, userShape));
  };
}

export function patchUser(services: Services) {
  return async function patchUser(req: Request, res: Response) {
    const operations = readPatchBody(req.body, userShape);
    const resource = await changeResource(services, req, users, (directory, current, before) => {
      const state = readUser(applyPatch(before, operations, readOnlyAttributes));
      return updateUser(directory, current.row, state, actorOf(req, res));
    });
    sendResource(req, res, 200, resource, readProjection(req, userShape));
  };
}

export function deleteUser(services: Services) {
  return async function deleteUser(req: Request, res: Response) {
    await changeResource(services, req, users, async (directory, current) => {
      await directory.deleteUser(current.row.id, actorOf(req, res));
      return 'deleted';
    });
    res.status(204).end();
  };
}
