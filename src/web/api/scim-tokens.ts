import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { actorOf, param, parseBody, route, type ApiRoute } from './http.ts';
import { scimTokenJson } from './representations.ts';

/** Bearer tokens of the SCIM server at `/scim/v2`. */
export function scimTokenRoutes(services: Services): ApiRoute[] {
  return [
    route('GET', '/scim-tokens', listScimTokens(services)),
    route('POST', '/scim-tokens', createScimToken(services), 'json'),
    route('DELETE', '/scim-tokens/:id', revokeScimToken(services)),
  ];
}

const newTokenBody = z.strictObject({ name: z.string() });

function listScimTokens(services: Services) {
  return async function listScimTokens(_req: Request, res: Response) {
    const tokens = await services.scimTokens.list();
    res.json({ scimTokens: tokens.map(scimTokenJson) });
  };
}

/** Creates a token. The response carries the token, which no later response shows again. */
function createScimToken(services: Services) {
  return async function createScimToken(req: Request, res: Response) {
    const { name } = parseBody(newTokenBody, req.body);
    const created = await services.scimTokens.create(name, actorOf(req, res));
    res.status(201).json({ id: created.id, name: created.name, token: created.token });
  };
}

function revokeScimToken(services: Services) {
  return async function revokeScimToken(req: Request, res: Response) {
    await services.scimTokens.revoke(param(req, 'id'), actorOf(req, res));
    res.status(204).end();
  };
}
