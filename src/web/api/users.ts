import type { Request, Response } from 'express';
import { z } from 'zod';
import type { PasswordLinks } from '../../directory/password-links.ts';
import type { User } from '../../directory/service.ts';
import { newUserSchema, passwordSchema, userChangesSchema } from '../../directory/validation.ts';
import type { Services } from '../../services.ts';
import { passwordLinkUrl } from '../routes/set-password.ts';
import { actorOf, param, parseBody, route, type ApiRoute } from './http.ts';
import { groupJson, userJson } from './representations.ts';

export function userRoutes(services: Services): ApiRoute[] {
  const { passwordLinks } = services;
  return [
    route('GET', '/users', listUsers(services)),
    route('POST', '/users', createUser(services), 'json'),
    route('GET', '/users/:id', getUser(services)),
    route('PATCH', '/users/:id', updateUser(services), 'json'),
    route('DELETE', '/users/:id', deleteUser(services)),
    route('POST', '/users/:id/password', setPassword(services), 'json'),
    route('POST', '/users/:id/password-link', createPasswordLink(services, passwordLinks)),
    route('POST', '/users/:id/suspend', setStatus(services, 'suspended')),
    route('POST', '/users/:id/activate', setStatus(services, 'active')),
    route('PUT', '/users/:id/admin', setAdmin(services), 'json'),
    route('GET', '/users/:id/groups', listGroupsOfUser(services)),
  ];
}

const searchQuery = z.strictObject({ q: z.string().max(256).optional() });
const passwordBody = z.strictObject({ password: passwordSchema });
const adminBody = z.strictObject({ isAdmin: z.boolean() });

function listUsers(services: Services) {
  return async function listUsers(req: Request, res: Response) {
    const { q } = parseBody(searchQuery, req.query);
    const users = await services.directory.listUsers(q);
    res.json({ users: users.map(userJson) });
  };
}

function createUser(services: Services) {
  return async function createUser(req: Request, res: Response) {
    const fields = parseBody(newUserSchema, req.body);
    const user = await services.directory.createUser(fields, actorOf(req, res));
    res.status(201).location(`${req.baseUrl}/users/${user.id}`).json(userJson(user));
  };
}

function getUser(services: Services) {
  return async function getUser(req: Request, res: Response) {
    res.json(userJson(await services.directory.requireUserById(param(req, 'id'))));
  };
}

function updateUser(services: Services) {
  return async function updateUser(req: Request, res: Response) {
    const changes = parseBody(userChangesSchema, req.body);
    const user = await services.directory.updateUser(param(req, 'id'), changes, actorOf(req, res));
    res.json(userJson(user));
  };
}

function deleteUser(services: Services) {
  return async function deleteUser(req: Request, res: Response) {
    await services.directory.deleteUser(param(req, 'id'), actorOf(req, res));
    res.status(204).end();
  };
}

function setPassword(services: Services) {
  return async function setPassword(req: Request, res: Response) {
    const { password } = parseBody(passwordBody, req.body);
    const user = await services.directory.requireUserById(param(req, 'id'));
    await services.directory.setPassword(user.username, password, actorOf(req, res));
    res.status(204).end();
  };
}

/** Creates a one-time set-password link and returns its URL, which is never shown again. */
function createPasswordLink(services: Services, passwordLinks: PasswordLinks) {
  return async function createPasswordLink(req: Request, res: Response) {
    const link = await passwordLinks.create(param(req, 'id'), actorOf(req, res));
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json({
      url: passwordLinkUrl(services.config.baseUrl, link.token),
      expiresAt: link.expiresAt.toISOString(),
    });
  };
}

function setStatus(services: Services, status: User['status']) {
  return async function setStatus(req: Request, res: Response) {
    const id = param(req, 'id');
    await services.directory.setStatusById(id, status, actorOf(req, res));
    res.json(userJson(await services.directory.requireUserById(id)));
  };
}

function setAdmin(services: Services) {
  return async function setAdmin(req: Request, res: Response) {
    const { isAdmin } = parseBody(adminBody, req.body);
    const id = param(req, 'id');
    await services.directory.setAdmin(id, isAdmin, actorOf(req, res));
    res.json(userJson(await services.directory.requireUserById(id)));
  };
}

function listGroupsOfUser(services: Services) {
  return async function listGroupsOfUser(req: Request, res: Response) {
    const user = await services.directory.requireUserById(param(req, 'id'));
    const groups = await services.directory.listGroupsOfUser(user.id);
    res.json({ groups: groups.map(groupJson) });
  };
}
