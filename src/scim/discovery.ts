import type { Request, Response } from 'express';
import type { Services } from '../services.ts';
import { messages, schemas } from './constants.ts';
import { param, scimBaseUrl, sendScim } from './http.ts';
import { maxPageSize } from './list.ts';
import { ScimRequestError } from './request-error.ts';
import { enterpriseUserSchema, groupSchema, userSchema } from './schema/definitions.ts';

// The discovery endpoints of RFC 7644 section 4. They describe exactly what this server does,
// because clients such as Okta read them to decide which requests to send.

function serviceProviderConfig(url: string) {
  return {
    schemas: [schemas.serviceProviderConfig],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: maxPageSize },
    changePassword: { supported: true },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description:
          'A bearer token that a Sesame administrator creates under SCIM tokens, sent as "Authorization: Bearer <token>".',
        specUri: 'https://www.rfc-editor.org/rfc/rfc6750',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${url}/ServiceProviderConfig` },
  };
}

function resourceTypes(url: string) {
  return [
    {
      schemas: [schemas.resourceType],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'Sesame users',
      schema: schemas.user,
      schemaExtensions: [{ schema: schemas.enterpriseUser, required: false }],
      meta: { resourceType: 'ResourceType', location: `${url}/ResourceTypes/User` },
    },
    {
      schemas: [schemas.resourceType],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'Sesame user groups',
      schema: schemas.group,
      schemaExtensions: [],
      meta: { resourceType: 'ResourceType', location: `${url}/ResourceTypes/Group` },
    },
  ];
}

function schemaResources(url: string) {
  return [userSchema, enterpriseUserSchema, groupSchema].map((schema) => ({
    schemas: [schemas.schema],
    ...schema,
    meta: { resourceType: 'Schema', location: `${url}/Schemas/${schema.id}` },
  }));
}

/** RFC 7644 section 4: a filter on a discovery endpoint gets 403, so no client trusts one. */
function rejectFilter(req: Request) {
  if (req.query.filter !== undefined) {
    throw new ScimRequestError(403, 'Discovery endpoints do not support filtering');
  }
}

function listOf(resources: unknown[]) {
  return {
    schemas: [messages.listResponse],
    totalResults: resources.length,
    startIndex: 1,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}

export function getServiceProviderConfig(services: Services) {
  return function getServiceProviderConfig(req: Request, res: Response) {
    rejectFilter(req);
    sendScim(res, 200, serviceProviderConfig(scimBaseUrl(req, services.config.baseUrl)));
  };
}

export function listResourceTypes(services: Services) {
  return function listResourceTypes(req: Request, res: Response) {
    rejectFilter(req);
    sendScim(res, 200, listOf(resourceTypes(scimBaseUrl(req, services.config.baseUrl))));
  };
}

export function getResourceType(services: Services) {
  return function getResourceType(req: Request, res: Response) {
    const id = param(req, 'id');
    const found = resourceTypes(scimBaseUrl(req, services.config.baseUrl)).find(
      (type) => type.id === id,
    );
    if (!found) throw new ScimRequestError(404, `Resource type ${id.slice(0, 64)} not found`);
    sendScim(res, 200, found);
  };
}

export function listSchemas(services: Services) {
  return function listSchemas(req: Request, res: Response) {
    rejectFilter(req);
    sendScim(res, 200, listOf(schemaResources(scimBaseUrl(req, services.config.baseUrl))));
  };
}

export function getSchema(services: Services) {
  return function getSchema(req: Request, res: Response) {
    const id = param(req, 'id');
    const found = schemaResources(scimBaseUrl(req, services.config.baseUrl)).find(
      (schema) => schema.id === id,
    );
    if (!found) throw new ScimRequestError(404, `Schema ${id.slice(0, 100)} not found`);
    sendScim(res, 200, found);
  };
}
