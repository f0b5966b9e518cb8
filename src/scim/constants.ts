/** SCIM 2.0 identifiers used by Sesame's SCIM server, in one place (RFC 7643 and RFC 7644). */

/** Path of the SCIM server under Sesame's base URL; clients configure `<baseUrl>/scim/v2`. */
export const scimBasePath = '/scim/v2';

/** Schema URNs of resources, their extensions and the discovery resources (RFC 7643). */
export const schemas = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

/** Message URNs of protocol bodies that are not resources (RFC 7644). */
export const messages = {
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
} as const;

/** Values of an error's `scimType` (RFC 7644). */
export const scimTypes = {
  invalidFilter: 'invalidFilter',
  tooMany: 'tooMany',
  uniqueness: 'uniqueness',
  mutability: 'mutability',
  invalidSyntax: 'invalidSyntax',
  invalidPath: 'invalidPath',
  noTarget: 'noTarget',
  invalidValue: 'invalidValue',
  invalidVers: 'invalidVers',
  sensitive: 'sensitive',
} as const;

export type ScimType = (typeof scimTypes)[keyof typeof scimTypes];

/** Media type of SCIM bodies (RFC 7644); the server accepts `application/json` as well. */
export const scimMediaType = 'application/scim+json';
