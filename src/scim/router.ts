import { Router, type ErrorRequestHandler, type RequestHandler, type Response } from 'express';
import type { Services } from '../services.ts';
import { scimAuthentication, scimJsonParser } from './auth.ts';
import {
  getResourceType,
  getSchema,
  getServiceProviderConfig,
  listResourceTypes,
  listSchemas,
} from './discovery.ts';
import { scimError } from './errors.ts';
import { groupHandlers } from './groups/routes.ts';
import { scimFailureOf } from './request-error.ts';
import { userHandlers } from './users/routes.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Returns every route of the SCIM server, by path; docs/scim.md documents each one. */
function scimRoutes(services: Services): [string, Partial<Record<Method, RequestHandler>>][] {
  const users = userHandlers(services);
  const groups = groupHandlers(services);
  return [
    ['/Users', { get: users.list, post: users.post }],
    ['/Users/:id', { get: users.get, put: users.put, patch: users.patch, delete: users.delete }],
    ['/Groups', { get: groups.list, post: groups.post }],
    [
      '/Groups/:id',
      { get: groups.get, put: groups.put, patch: groups.patch, delete: groups.delete },
    ],
    ['/ServiceProviderConfig', { get: getServiceProviderConfig(services) }],
    ['/ResourceTypes', { get: listResourceTypes(services) }],
    ['/ResourceTypes/:id', { get: getResourceType(services) }],
    ['/Schemas', { get: listSchemas(services) }],
    ['/Schemas/:id', { get: getSchema(services) }],
  ];
}

const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

/** Sends 405 with `Allow` for a method that a known path does not support. */
function methodNotAllowed(allowed: string[]): RequestHandler {
  return (req, res) => {
    res.setHeader('Allow', allowed.join(', '));
    scimError(
      res,
      405,
      `${req.method} is not supported on ${req.path.slice(0, 100)}; use ${allowed.join(' or ')}`,
    );
  };
}

const unknownEndpoint: RequestHandler = (req, res) => {
  const bulk = /^\/bulk\/?$/i.test(req.path) ? ': bulk operations are not supported' : '';
  scimError(res, 404, `No SCIM endpoint ${req.method} ${req.path.slice(0, 100)}${bulk}`);
};

/**
 * Sends every error as a SCIM error. Client errors are logged at info with their detail; faults
 * are logged at error and shown only as "Internal error".
 */
function scimErrorHandler(services: Services): ErrorRequestHandler {
  return (error: unknown, req, res: Response, next) => {
    if (res.headersSent) return next(error);
    const failure = scimFailureOf(error);
    const request = { status: failure.status, method: req.method, path: req.path };
    if (failure.status >= 500) {
      services.logger.error(
        { event: 'scim.request.failed', ...request, err: error },
        'SCIM request failed',
      );
    } else {
      const reason = { scimType: failure.scimType, detail: failure.detail };
      services.logger.info(
        { event: 'scim.request.rejected', ...request, ...reason },
        'SCIM request rejected',
      );
    }
    scimError(res, failure.status, failure.detail, failure.scimType);
  };
}

/**
 * `/scim/v2`: the SCIM 2.0 service provider (RFC 7643, RFC 7644). Each request is authenticated
 * by its bearer token before its body is read. Changes go through the directory, so they record
 * the same events and write the same provisioning jobs as the admin portal.
 */
export function scimRouter(services: Services): Router {
  const router = Router({ caseSensitive: false });
  router.use(noStore);
  router.use(scimAuthentication(services));
  router.use(scimJsonParser);

  for (const [path, handlers] of scimRoutes(services)) {
    for (const [method, handler] of Object.entries(handlers) as [Method, RequestHandler][]) {
      router[method](path, handler);
    }
    const allowed = Object.keys(handlers).map((method) => method.toUpperCase());
    if (allowed.includes('GET')) allowed.push('HEAD');
    router.all(path, methodNotAllowed(allowed));
  }

  router.use(unknownEndpoint);
  router.use(scimErrorHandler(services));
  return router;
}
