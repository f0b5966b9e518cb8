import type { Request, Response } from 'express';
import { z } from 'zod';
import { checkGroupName } from '../../directory/group-changes.ts';
import type { Services } from '../../services.ts';
import { actorOf, param, parseBody, route, type ApiRoute } from './http.ts';
import { applicationSummaryJson, groupJson, userJson } from './representations.ts';

export function groupRoutes(services: Services): ApiRoute[] {
  return [
    route('GET', '/groups', listGroups(services)),
    route('POST', '/groups', createGroup(services), 'json'),
    route('GET', '/groups/:id', getGroup(services)),
    route('PATCH', '/groups/:id', renameGroup(services), 'json'),
    route('DELETE', '/groups/:id', deleteGroup(services)),
    route('GET', '/groups/:id/members', listMembers(services)),
    route('PUT', '/groups/:id/members/:userId', addMember(services)),
    route('DELETE', '/groups/:id/members/:userId', removeMember(services)),
    route('GET', '/groups/:id/applications', listApplicationsOfGroup(services)),
  ];
}

/** Checks the name with the directory's rule, so that the error names the `name` field. */
function validGroupName(name: string, context: z.RefinementCtx) {
  try {
    checkGroupName(name);
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message });
  }
}

const groupBody = z.strictObject({ name: z.string().superRefine(validGroupName) });

function listGroups(services: Services) {
  return async function listGroups(_req: Request, res: Response) {
    const groups = await services.directory.listGroups();
    res.json({ groups: groups.map(groupJson) });
  };
}

function createGroup(services: Services) {
  return async function createGroup(req: Request, res: Response) {
    const { name } = parseBody(groupBody, req.body);
    const group = await services.directory.createGroup(name, actorOf(req, res));
    res.status(201).location(`${req.baseUrl}/groups/${group.id}`).json(groupJson(group));
  };
}

function getGroup(services: Services) {
  return async function getGroup(req: Request, res: Response) {
    res.json(groupJson(await services.directory.requireGroupById(param(req, 'id'))));
  };
}

function renameGroup(services: Services) {
  return async function renameGroup(req: Request, res: Response) {
    const { name } = parseBody(groupBody, req.body);
    const group = await services.directory.renameGroup(param(req, 'id'), name, actorOf(req, res));
    res.json(groupJson(group));
  };
}

function deleteGroup(services: Services) {
  return async function deleteGroup(req: Request, res: Response) {
    await services.directory.deleteGroup(param(req, 'id'), actorOf(req, res));
    res.status(204).end();
  };
}

function listMembers(services: Services) {
  return async function listMembers(req: Request, res: Response) {
    const group = await services.directory.requireGroupById(param(req, 'id'));
    const members = await services.directory.listMembers(group.id);
    res.json({ members: members.map(userJson) });
  };
}

/** Looks up a membership route's group and user by ID, since the directory takes their names. */
async function membership(services: Services, req: Request) {
  const group = await services.directory.requireGroupById(param(req, 'id'));
  const user = await services.directory.requireUserById(param(req, 'userId'));
  return { group, user };
}

/** Adds a member. Adding one who is already a member changes nothing and records no event. */
function addMember(services: Services) {
  return async function addMember(req: Request, res: Response) {
    const { group, user } = await membership(services, req);
    await services.directory.addMember(group.name, user.username, actorOf(req, res));
    res.status(204).end();
  };
}

/** Removes a member, or fails with 404 `not_found` when the user is not a member. */
function removeMember(services: Services) {
  return async function removeMember(req: Request, res: Response) {
    const { group, user } = await membership(services, req);
    await services.directory.removeMember(group.name, user.username, actorOf(req, res));
    res.status(204).end();
  };
}

function listApplicationsOfGroup(services: Services) {
  return async function listApplicationsOfGroup(req: Request, res: Response) {
    const group = await services.directory.requireGroupById(param(req, 'id'));
    const applications = await services.applications.listForGroup(group.id);
    res.json({ applications: applications.map(applicationSummaryJson) });
  };
}
