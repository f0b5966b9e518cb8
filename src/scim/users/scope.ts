import { sql, type SqlBool } from 'kysely';
import { schemas } from '../constants.ts';
import { always, never, type Condition, type FilterScope } from '../filter/sql.ts';
import { userShape } from '../schema/names.ts';

const enterprise = schemas.enterpriseUser.toLowerCase();

/** Builds `exists` over the user's memberships, with the group joined as `g`. */
function inGroup(condition: Condition | undefined): Condition {
  const extra = condition ? sql`and ${condition}` : sql``;
  return sql<SqlBool>`exists (select 1 from group_members gm join groups g on g.id = gm.group_id where gm.user_id = users.id ${extra})`;
}

/** The attributes users can be filtered and sorted on, and their columns. */
export const userFilterScope: FilterScope = {
  shape: userShape,
  attributes: {
    id: { type: 'string', column: sql.ref('users.id'), caseExact: true },
    externalid: { type: 'string', column: sql`coalesce(users.external_id, '')`, caseExact: true },
    username: {
      type: 'string',
      column: sql.ref('users.username_key'),
      caseExact: false,
      lowered: true,
    },
    'name.givenname': { type: 'string', column: sql.ref('users.first_name'), caseExact: false },
    'name.familyname': { type: 'string', column: sql.ref('users.last_name'), caseExact: false },
    'name.formatted': {
      type: 'string',
      column: sql`trim(users.first_name || ' ' || users.last_name)`,
      caseExact: false,
    },
    displayname: { type: 'string', column: sql.ref('users.display_name'), caseExact: false },
    emails: { type: 'string', column: sql.ref('users.email_key'), caseExact: false, lowered: true },
    'emails.value': {
      type: 'string',
      column: sql.ref('users.email_key'),
      caseExact: false,
      lowered: true,
    },
    // The one email is returned as the primary work email.
    'emails.type': { type: 'string', column: sql.lit('work'), caseExact: false },
    'emails.primary': { type: 'boolean', is: (value) => (value ? always : never) },
    active: {
      type: 'boolean',
      is: (value) => sql<SqlBool>`users.status ${sql.raw(value ? '=' : '<>')} 'active'`,
    },
    groups: {
      type: 'multiValued',
      exists: inGroup,
      subAttributes: {
        value: { type: 'string', column: sql.ref('gm.group_id'), caseExact: true },
        display: { type: 'string', column: sql.ref('g.name_key'), caseExact: false, lowered: true },
      },
    },
    'meta.created': { type: 'dateTime', column: sql.ref('users.created_at') },
    'meta.lastmodified': { type: 'dateTime', column: sql.ref('users.updated_at') },
    [`${enterprise}:employeenumber`]: {
      type: 'string',
      column: sql.ref('users.employee_number'),
      caseExact: false,
    },
    [`${enterprise}:department`]: {
      type: 'string',
      column: sql.ref('users.department'),
      caseExact: false,
    },
    [`${enterprise}:manager.value`]: {
      type: 'string',
      column: sql`coalesce(users.manager_id, '')`,
      caseExact: true,
    },
  },
};
