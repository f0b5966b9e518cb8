import { schemas } from '../constants.ts';
import { versionOf } from '../version.ts';
import type { GroupRecord } from './store.ts';

/** Builds a Group resource. */
export function groupResource(record: GroupRecord, scimUrl: string): Record<string, unknown> {
  const { row } = record;
  const resource: Record<string, unknown> = {
    schemas: [schemas.group],
    id: row.id,
    ...(row.external_id !== null && { externalId: row.external_id }),
    displayName: row.name,
    members: record.members.map((member) => ({
      value: member.id,
      $ref: `${scimUrl}/Users/${member.id}`,
      display: member.display,
      type: 'User',
    })),
    meta: {
      resourceType: 'Group',
      created: row.created_at,
      lastModified: row.updated_at,
      location: `${scimUrl}/Groups/${row.id}`,
    },
  };
  const meta = resource.meta as Record<string, unknown>;
  meta.version = versionOf(resource);
  return resource;
}
