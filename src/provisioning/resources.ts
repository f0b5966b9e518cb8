import { ScimCallError } from './client.ts';
import type { UserAttributes } from './wanted.ts';

/** SCIM 2.0 schema and message URNs (RFC 7643, RFC 7644) that the provisioning client sends and reads. */
export const scimSchemas = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
} as const;

export interface PatchOperation {
  op: 'add' | 'remove' | 'replace';
  path?: string;
  value?: unknown;
}

/** A user as the SP returned it, reduced to the attributes Sesame manages. */
export interface RemoteUser {
  id: string;
  attributes: UserAttributes;
}

export interface RemoteGroup {
  id: string;
  displayName: string;
  /** Remote IDs of the members; undefined when the listing left members out. */
  memberIds: string[] | undefined;
  entitlements: string[];
}

export function userResource(attributes: UserAttributes) {
  return {
    schemas: [scimSchemas.user],
    userName: attributes.userName,
    displayName: attributes.displayName,
    name: { givenName: attributes.givenName, familyName: attributes.familyName },
    emails: [{ type: 'work', value: attributes.email, primary: true }],
    active: attributes.active,
    ...(attributes.entitlements.length > 0 && {
      entitlements: attributes.entitlements.map((value) => ({ value })),
    }),
  };
}

export function groupResource(displayName: string, memberIds: string[], entitlements: string[]) {
  return {
    schemas: [scimSchemas.group],
    displayName,
    ...(memberIds.length > 0 && { members: memberIds.map((value) => ({ value })) }),
    ...(entitlements.length > 0 && { entitlements: entitlements.map((value) => ({ value })) }),
  };
}

export function patchBody(operations: PatchOperation[]) {
  return { schemas: [scimSchemas.patchOp], Operations: operations };
}

/**
 * Lists the PATCH operations that bring the SP's user from `held` to `wanted`. `userName` and
 * `emails` are left out: Databricks ignores changes to them.
 */
export function userPatchOperations(
  held: UserAttributes,
  wanted: UserAttributes,
): PatchOperation[] {
  const operations: PatchOperation[] = [];
  if (held.displayName !== wanted.displayName)
    operations.push({ op: 'replace', path: 'displayName', value: wanted.displayName });
  if (held.givenName !== wanted.givenName)
    operations.push({ op: 'replace', path: 'name.givenName', value: wanted.givenName });
  if (held.familyName !== wanted.familyName)
    operations.push({ op: 'replace', path: 'name.familyName', value: wanted.familyName });
  operations.push(...entitlementOperations(held.entitlements, wanted.entitlements));
  if (held.active !== wanted.active) {
    // The string form is what Databricks' own SDK sends to deactivate and reactivate users.
    operations.push({ op: 'replace', path: 'active', value: String(wanted.active) });
  }
  return operations;
}

export function entitlementOperations(held: string[], wanted: string[]): PatchOperation[] {
  const added = wanted.filter((name) => !held.includes(name));
  const removed = held.filter((name) => !wanted.includes(name));
  const operations: PatchOperation[] = [];
  if (added.length > 0)
    operations.push({ op: 'add', path: 'entitlements', value: added.map((value) => ({ value })) });
  if (removed.length > 0) {
    operations.push({
      op: 'remove',
      path: 'entitlements',
      value: removed.map((value) => ({ value })),
    });
  }
  return operations;
}

export function memberOperations(added: string[], removed: string[]): PatchOperation[] {
  const operations: PatchOperation[] = [];
  if (added.length > 0)
    operations.push({ op: 'add', path: 'members', value: added.map((value) => ({ value })) });
  for (const id of removed)
    operations.push({ op: 'remove', path: `members[value eq ${quote(id)}]` });
  return operations;
}

/** Quotes a value for a SCIM filter (RFC 7644 §3.4.2.2): a JSON string. */
export function quote(value: string): string {
  return JSON.stringify(value);
}

export function parseListResponse(body: unknown): { resources: unknown[]; totalResults: number } {
  const list = asObject(body);
  const schemas = list.schemas;
  if (!Array.isArray(schemas) || !schemas.includes(scimSchemas.listResponse)) {
    throw invalidResponse('The response is not a SCIM ListResponse');
  }
  const resources = Array.isArray(list.Resources) ? list.Resources : [];
  const total = Number(list.totalResults);
  return { resources, totalResults: Number.isFinite(total) ? total : resources.length };
}

export function parseRemoteUser(body: unknown): RemoteUser {
  const user = asObject(body);
  const id = text(user.id);
  if (!id) throw invalidResponse('A SCIM user in the response has no id');
  const name = asObject(user.name);
  const emails = Array.isArray(user.emails) ? user.emails.map(asObject) : [];
  const email = emails.find((entry) => entry.primary === true) ?? emails[0];
  const userName = text(user.userName);
  return {
    id,
    attributes: {
      userName,
      email: text(email?.value) || userName,
      givenName: text(name.givenName),
      familyName: text(name.familyName),
      displayName: text(user.displayName),
      active: user.active !== false && user.active !== 'false',
      entitlements: values(user.entitlements),
    },
  };
}

export function parseRemoteGroup(body: unknown): RemoteGroup {
  const group = asObject(body);
  const id = text(group.id);
  if (!id) throw invalidResponse('A SCIM group in the response has no id');
  return {
    id,
    displayName: text(group.displayName),
    memberIds: Array.isArray(group.members) ? values(group.members) : undefined,
    entitlements: values(group.entitlements),
  };
}

/**
 * Returns the error for a response that is JSON but not the SCIM resource expected, so that
 * callers report it like any other failed call instead of as an internal error.
 */
function invalidResponse(message: string): ScimCallError {
  return new ScimCallError('invalid_response', message);
}

function values(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list
    .map((entry) => text(asObject(entry).value))
    .filter(Boolean)
    .sort();
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return '';
}
