import { Router, type RequestHandler } from 'express';
import type { Services } from '../../services.ts';
import { apiKeyRoutes } from './api-keys.ts';
import { applicationGroupRoutes } from './application-groups.ts';
import { applicationRoutes } from './applications.ts';
import { requireApiKey } from './auth.ts';
import { certificateRoutes } from './certificate.ts';
import { apiErrorHandler, unknownRoute } from './errors.ts';
import { eventRoutes } from './events.ts';
import { groupRoutes } from './groups.ts';
import { bodyParsers, type ApiRoute } from './http.ts';
import { identityManagementRoutes } from './identity-management.ts';
import { scimTokenRoutes } from './scim-tokens.ts';
import { userRoutes } from './users.ts';

/** Returns every route of the API, by resource. docs/api.md documents each one. */
export function apiRoutes(services: Services): ApiRoute[] {
  return [
    ...userRoutes(services),
    ...groupRoutes(services),
    ...applicationRoutes(services),
    ...applicationGroupRoutes(services),
    ...identityManagementRoutes(services),
    ...eventRoutes(services),
    ...apiKeyRoutes(services),
    ...scimTokenRoutes(services),
    ...certificateRoutes(services),
  ];
}

const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

/**
 * `/api/v1`: the JSON admin API, authenticated with API keys only. Each request is authenticated
 * before its body is read; the body is then parsed by the kind its route declares.
 */
export function apiRouter(services: Services): Router {
  const router = Router();
  router.use(noStore);
  router.use(requireApiKey(services));

  for (const { method, path, body, handler } of apiRoutes(services)) {
    const verb = method.toLowerCase() as Lowercase<typeof method>;
    router[verb](path, ...bodyParsers[body], handler);
  }

  router.use(unknownRoute);
  router.use(apiErrorHandler(services.logger));
  return router;
}
