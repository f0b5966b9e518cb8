import { sql, type SqlBool } from 'kysely';
import type { Condition, FilterScope } from '../filter/sql.ts';
import { groupShape } from '../schema/names.ts';

/** Builds `exists` over the group's memberships, with the user joined as `u`. */
function hasMember(condition: Condition | undefined): Condition {
  const extra = condition ? sql`and ${condition}` : sql``;
  return sql<SqlBool>`exists (select 1 from group_members gm join users u on u.id = gm.user_id where gm.group_id = groups.id ${extra})`;
}

/** The attributes groups can be filtered and sorted on, and their columns. */
export const groupFilterScope: FilterScope = {
  shape: groupShape,
  attributes: {
    id: { type: 'string', column: sql.ref('groups.id'), caseExact: true },
    externalid: { type: 'string', column: sql`coalesce(groups.external_id, '')`, caseExact: true },
    displayname: {
      type: 'string',
      column: sql.ref('groups.name_key'),
      caseExact: false,
      lowered: true,
    },
    members: {
      type: 'multiValued',
      exists: hasMember,
      subAttributes: {
        value: { type: 'string', column: sql.ref('gm.user_id'), caseExact: true },
        display: {
          type: 'string',
          column: sql`coalesce(nullif(u.display_name, ''), u.username)`,
          caseExact: false,
        },
        type: { type: 'string', column: sql.lit('User'), caseExact: false },
      },
    },
    'meta.created': { type: 'dateTime', column: sql.ref('groups.created_at') },
    'meta.lastmodified': { type: 'dateTime', column: sql.ref('groups.updated_at') },
  },
};
