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
import { groupShape } from '../schema/names.ts';
import { createGroup, updateGroup } from './apply.ts';
import { readGroup } from './input.ts';
import { groupResource } from './representation.ts';
import { groupFilterScope } from './scope.ts';
import { listGroupRecords, lockGroup, requireGroupRecord, type GroupRecord } from './store.ts';

const readOnlyAttributes = ['id', 'meta'];

const groups: ResourceStore<GroupRecord> = {
  lock: lockGroup,
  load: requireGroupRecord,
  represent: groupResource,
};

export function listGroups(services: Services) {
  return async function listGroups(req: Request, res: Response) {
    const query = readListQuery(req, groupFilterScope);
    const { total, records } = await listGroupRecords(services.db, query);
    const url = scimBaseUrl(req, services.config.baseUrl);
    const resources = records.map((record) =>
      project(groupResource(record, url), query.projection),
    );
    sendScim(res, 200, listResponse(total, query, resources));
  };
}

export function getGroup(services: Services) {
  return async function getGroup(req: Request, res: Response) {
    const record = await requireGroupRecord(services.db, param(req, 'id'));
    const resource = groupResource(record, scimBaseUrl(req, services.config.baseUrl));
    sendResource(req, res, 200, resource, readProjection(req, groupShape));
  };
}

export function postGroup(services: Services) {
  return async function postGroup(req: Request, res: Response) {
    const state = readGroup(req.body);
    const url = scimBaseUrl(req, services.config.baseUrl);
    const resource = await services.directory.transaction(async (directory, trx) => {
      const id = await createGroup(directory, trx, state, actorOf(req, res));
      return groupResource(await requireGroupRecord(trx, id), url);
    });
    sendResource(req, res, 201, resource, readProjection(req, groupShape));
  };
}

export function putGroup(services: Services) {
  return async function putGroup(req: Request, res: Response) {
    const state = readGroup(req.body);
    checkSameId(req.body, param(req, 'id'));
    const resource = await changeResource(
      services,
      req,
      groups,
      (directory, current, _before, trx) =>
        updateGroup(directory, trx, current, state, actorOf(req, res)),
    );
    sendResource(req, res, 200, resource, readProjection(req, groupShape));
  };
}

export function patchGroup(services: Services) {
  return async function patchGroup(req: Request, res: Response) {
    const operations = readPatchBody(req.body, groupShape);
    const resource = await changeResource(
      services,
      req,
      groups,
      (directory, current, before, trx) => {
        const state = readGroup(applyPatch(before, operations, readOnlyAttributes));
        return updateGroup(directory, trx, current, state, actorOf(req, res));
      },
    );
    sendResource(req, res, 200, resource, readProjection(req, groupShape));
  };
}

export function deleteGroup(services: Services) {
  return async function deleteGroup(req: Request, res: Response) {
    await changeResource(services, req, groups, async (directory, current) => {
      await directory.deleteGroup(current.row.id, actorOf(req, res));
      return 'deleted';
    });
    res.status(204).end();
  };
}
