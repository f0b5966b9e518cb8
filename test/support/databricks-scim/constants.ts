/** SCIM schema and message URNs that Databricks sends and expects (RFC 7643, RFC 7644). */
export const urn = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  servicePrincipal: 'urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal',
  workspaceUser: 'urn:ietf:params:scim:schemas:extension:workspace:2.0:User',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
} as const;

/** The entitlement values a workspace accepts; accounts accept none. */
export const workspaceEntitlements: readonly string[] = [
  'workspace-access',
  'databricks-sql-access',
  'allow-cluster-create',
  'allow-instance-pool-create',
  'workspace-consume',
];

/** Databricks' detail text for a body whose shape it cannot read. */
export const unparsableDetail =
  'Request is unparsable, syntactically incorrect, or violates schema.';

export const accountEntitlementsDetail = 'entitlements can only be managed at the workspace level';

export const requestLimitDetail =
  'REQUEST_LIMIT_EXCEEDED: Workspace 1234 exceeded the concurrent limit of 4 requests.';

/** Databricks caps a filter at 200 nodes. */
export const maxFilterNodes = 200;

/** The page size when a list request sends no `count`. */
export const defaultCount = 10_000;
