import type { Db } from '../db/index.ts';
import type { UsersTable } from '../db/schema.ts';
import { parseBaseUrl, type TargetLevel } from './target.ts';

/** The settings of an application's integration that decide the state it sends. */
export interface IntegrationContext {
  applicationId: string;
  applicationSlug: string;
  /** The user property that the application's SAML NameID carries, sent as SCIM `userName`. */
  nameIdSource: 'email' | 'username';
  level: TargetLevel;
  /** The SP account (see `ScimTarget.rateKey`); applications naming the same one share users. */
  rateKey: string;
  groupManagement: boolean;
  deprovision: 'delete' | 'deactivate';
}

/** The SCIM attributes Sesame sends for a user, compared with what the SP last held. */
export interface UserAttributes {
  userName: string;
  email: string;
  givenName: string;
  familyName: string;
  displayName: string;
  active: boolean;
  /** Sorted entitlement names; always empty at account level, where Databricks rejects them. */
  entitlements: string[];
}

export interface WantedUser {
  user: UsersTable;
  /** Active and in at least one group bound to the application. */
  inScope: boolean;
  attributes: UserAttributes;
}

export interface WantedGroup {
  id: string;
  name: string;
  /** Bound to the application, so Sesame manages its copy in the SP. */
  bound: boolean;
  /** Every member of the group in Sesame, whatever their status. */
  memberIds: string[];
  entitlements: string[];
}

export const entitlementNames = [
  'workspace-access',
  'databricks-sql-access',
  'allow-cluster-create',
  'allow-instance-pool-create',
] as const;

export function userAttributes(
  user: UsersTable,
  context: IntegrationContext,
  active: boolean,
  entitlements: string[],
): UserAttributes {
  const fullName = `${user.first_name} ${user.last_name}`.trim();
  const userName = context.nameIdSource === 'email' ? user.email : user.username;
  return {
    userName,
    email: user.email,
    givenName: user.first_name,
    familyName: user.last_name,
    displayName: user.display_name || fullName || userName,
    active,
    entitlements: context.level === 'workspace' ? [...entitlements].sort() : [],
  };
}

/** Reads the state Sesame wants the SP to hold for one user; undefined once the user is deleted. */
export async function readWantedUser(
  db: Db,
  context: IntegrationContext,
  userId: string,
): Promise<WantedUser | undefined> {
  const user = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  if (!user) return undefined;
  const bindings = await boundGroupsOfUser(db, [context.applicationId], userId);
  // Another application that provisions the same account may still grant the user access, and
  // then this one must not deactivate them.
  const grantedElsewhere =
    bindings.length === 0 && (await boundInSiblingApplication(db, context, userId));
  const inScope = user.status === 'active' && (bindings.length > 0 || grantedElsewhere);
  // With group management on, entitlements travel on the Databricks groups instead.
  const entitlements = context.groupManagement
    ? []
    : unionOf(bindings.map((row) => row.entitlements));
  return { user, inScope, attributes: userAttributes(user, context, inScope, entitlements) };
}

/** Tells whether another active integration on the same SP account binds a group of the user. */
async function boundInSiblingApplication(
  db: Db,
  context: IntegrationContext,
  userId: string,
): Promise<boolean> {
  const integrations = await db
    .selectFrom('idm_integrations')
    .select(['application_id', 'base_url', 'target'])
    .where('active', '=', 1)
    .where('application_id', '!=', context.applicationId)
    .execute();
  const siblings = integrations
    .filter((row) => {
      try {
        return parseBaseUrl(row.base_url, row.target).rateKey === context.rateKey;
      } catch {
        return false;
      }
    })
    .map((row) => row.application_id);
  if (siblings.length === 0) return false;
  return (await boundGroupsOfUser(db, siblings, userId)).length > 0;
}

/** Lists the user's groups that are bound to any of `applicationIds`, with their entitlements. */
export function boundGroupsOfUser(db: Db, applicationIds: string[], userId: string) {
  return db
    .selectFrom('application_groups')
    .innerJoin('group_members', 'group_members.group_id', 'application_groups.group_id')
    .select(['application_groups.group_id', 'application_groups.entitlements'])
    .where('application_groups.application_id', 'in', applicationIds)
    .where('group_members.user_id', '=', userId)
    .execute();
}

/** Reads the state Sesame wants the SP to hold for one group; undefined once the group is deleted. */
export async function readWantedGroup(
  db: Db,
  context: IntegrationContext,
  groupId: string,
): Promise<WantedGroup | undefined> {
  const group = await db
    .selectFrom('groups')
    .select(['id', 'name'])
    .where('id', '=', groupId)
    .executeTakeFirst();
  if (!group) return undefined;
  const binding = await db
    .selectFrom('application_groups')
    .select('entitlements')
    .where('application_id', '=', context.applicationId)
    .where('group_id', '=', groupId)
    .executeTakeFirst();
  const members = await db
    .selectFrom('group_members')
    .select('user_id')
    .where('group_id', '=', groupId)
    .execute();
  return {
    id: group.id,
    name: group.name,
    bound: binding !== undefined,
    memberIds: members.map((member) => member.user_id),
    entitlements: binding && context.level === 'workspace' ? unionOf([binding.entitlements]) : [],
  };
}

/** Merges JSON arrays of entitlement names into one sorted list without repeats. */
export function unionOf(jsonLists: string[]): string[] {
  const names = new Set<string>();
  for (const list of jsonLists) for (const name of JSON.parse(list) as string[]) names.add(name);
  return [...names].sort();
}
