/** SCIM 2.0 identifiers used by Sesame's SCIM server, in one place (RFC 7643 and RFC 7644). */

/** Schema URNs of resources and their extensions (RFC 7643 sections 4, 5, 6 and 7). */
export const schemas = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

/** Message URNs of protocol bodies that are not resources (RFC 7644 section 3.1). */
export const messages = {
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
} as const;

/** Values of an error's `scimType` (RFC 7644 section 3.12, table 9). */
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

/** Media type of SCIM bodies (RFC 7644 section 3.1); `application/json` is accepted as well. */
export const scimMediaType = 'application/scim+json';
