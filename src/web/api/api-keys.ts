import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { apiAdmin } from './auth.ts';
import { actorOf, param, parseBody, route, type ApiRoute } from './http.ts';
import { apiKeyJson } from './representations.ts';

/** Admin API keys of every administrator. A new key belongs to the administrator whose key made the request. */
export function apiKeyRoutes(services: Services): ApiRoute[] {
  return [
    route('GET', '/api-keys', listApiKeys(services)),
    route('POST', '/api-keys', createApiKey(services), 'json'),
    route('DELETE', '/api-keys/:id', revokeApiKey(services)),
  ];
}

const newKeyBody = z.strictObject({ name: z.string() });

function listApiKeys(services: Services) {
  return async function listApiKeys(_req: Request, res: Response) {
    const keys = await services.apiKeys.list();
    res.json({ apiKeys: keys.map(apiKeyJson) });
  };
}

/** Creates a key. The response carries the token, which no later response shows again. */
function createApiKey(services: Services) {
  return async function createApiKey(req: Request, res: Response) {
    const { name } = parseBody(newKeyBody, req.body);
    const { key, token } = await services.apiKeys.create(apiAdmin(res).id, name, actorOf(req, res));
    res
      .status(201)
      .location(`${req.baseUrl}/api-keys/${key.id}`)
      .json({ ...apiKeyJson(key), token });
  };
}

function revokeApiKey(services: Services) {
  return async function revokeApiKey(req: Request, res: Response) {
    await services.apiKeys.revoke(param(req, 'id'), actorOf(req, res));
    res.status(204).end();
  };
}
