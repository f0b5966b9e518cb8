import { schemas } from '../constants.ts';
import { versionOf } from '../version.ts';
import type { UserRecord } from './store.ts';

/** Builds a User resource: the core schema and, when it has values, the enterprise extension. */
export function userResource(record: UserRecord, scimUrl: string): Record<string, unknown> {
  const { row } = record;
  const name = {
    ...(row.first_name && { givenName: row.first_name }),
    ...(row.last_name && { familyName: row.last_name }),
    ...((row.first_name || row.last_name) && {
      formatted: `${row.first_name} ${row.last_name}`.trim(),
    }),
  };
  const enterprise = {
    ...(row.employee_number && { employeeNumber: row.employee_number }),
    ...(row.department && { department: row.department }),
    ...(row.manager_id && {
      manager: { value: row.manager_id, $ref: `${scimUrl}/Users/${row.manager_id}` },
    }),
  };
  const hasEnterprise = Object.keys(enterprise).length > 0;

  const resource: Record<string, unknown> = {
    schemas: hasEnterprise ? [schemas.user, schemas.enterpriseUser] : [schemas.user],
    id: row.id,
    ...(row.external_id !== null && { externalId: row.external_id }),
    userName: row.username,
    ...(Object.keys(name).length > 0 && { name }),
    ...(row.display_name && { displayName: row.display_name }),
    emails: [{ value: row.email, type: 'work', primary: true }],
    active: row.status === 'active',
    groups: record.groups.map((group) => ({
      value: group.id,
      $ref: `${scimUrl}/Groups/${group.id}`,
      display: group.name,
    })),
    ...(hasEnterprise && { [schemas.enterpriseUser]: enterprise }),
    meta: {
      resourceType: 'User',
      created: row.created_at,
      lastModified: row.updated_at,
      location: `${scimUrl}/Users/${row.id}`,
    },
  };
  const meta = resource.meta as Record<string, unknown>;
  meta.version = versionOf(resource);
  return resource;
}
