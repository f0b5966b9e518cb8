import type { Db } from '../db/index.ts';
import { nowIso } from '../db/index.ts';
import type { IdmGroupsTable, IdmUsersTable } from '../db/schema.ts';
import type { UserAttributes } from './wanted.ts';

/**
 * What Sesame knows the SP holds: the remote ID and attributes of each user and group it
 * created, adopted or last read, and their memberships. Updates are diffed against it.
 */
export function heldUser(row: IdmUsersTable): UserAttributes {
  return {
    userName: row.user_name,
    email: row.email,
    givenName: row.given_name,
    familyName: row.family_name,
    displayName: row.display_name,
    active: row.active === 1,
    entitlements: JSON.parse(row.entitlements) as string[],
  };
}

export function readUserLink(db: Db, applicationId: string, userId: string) {
  return db
    .selectFrom('idm_users')
    .selectAll()
    .where('application_id', '=', applicationId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

export function readGroupLink(db: Db, applicationId: string, groupId: string) {
  return db
    .selectFrom('idm_groups')
    .selectAll()
    .where('application_id', '=', applicationId)
    .where('group_id', '=', groupId)
    .executeTakeFirst();
}

export async function saveUserLink(
  db: Db,
  applicationId: string,
  userId: string,
  remoteId: string,
  held: UserAttributes,
) {
  const row: IdmUsersTable = {
    application_id: applicationId,
    user_id: userId,
    remote_id: remoteId,
    user_name: held.userName,
    email: held.email,
    given_name: held.givenName,
    family_name: held.familyName,
    display_name: held.displayName,
    active: held.active ? 1 : 0,
    entitlements: JSON.stringify([...held.entitlements].sort()),
    updated_at: nowIso(),
  };
  const { application_id: _application, user_id: _user, ...changes } = row;
  await db
    .insertInto('idm_users')
    .values(row)
    .onConflict((oc) => oc.columns(['application_id', 'user_id']).doUpdateSet(changes))
    .execute();
}

export async function saveGroupLink(
  db: Db,
  applicationId: string,
  groupId: string,
  remoteId: string,
  displayName: string,
  entitlements: string[],
) {
  const row: IdmGroupsTable = {
    application_id: applicationId,
    group_id: groupId,
    remote_id: remoteId,
    display_name: displayName,
    entitlements: JSON.stringify([...entitlements].sort()),
    updated_at: nowIso(),
  };
  const { application_id: _application, group_id: _group, ...changes } = row;
  await db
    .insertInto('idm_groups')
    .values(row)
    .onConflict((oc) => oc.columns(['application_id', 'group_id']).doUpdateSet(changes))
    .execute();
}

/** Forgets a user that the SP no longer has, with the memberships Sesame recorded for it. */
export async function dropUserLink(db: Db, applicationId: string, userId: string) {
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('idm_memberships')
      .where('application_id', '=', applicationId)
      .where('user_id', '=', userId)
      .execute();
    await trx
      .deleteFrom('idm_users')
      .where('application_id', '=', applicationId)
      .where('user_id', '=', userId)
      .execute();
  });
}

export async function dropGroupLink(db: Db, applicationId: string, groupId: string) {
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('idm_memberships')
      .where('application_id', '=', applicationId)
      .where('group_id', '=', groupId)
      .execute();
    await trx
      .deleteFrom('idm_groups')
      .where('application_id', '=', applicationId)
      .where('group_id', '=', groupId)
      .execute();
  });
}

/** Sesame user IDs recorded as members of the SP's copy of a group. */
export async function heldMembers(db: Db, applicationId: string, groupId: string) {
  const rows = await db
    .selectFrom('idm_memberships')
    .select('user_id')
    .where('application_id', '=', applicationId)
    .where('group_id', '=', groupId)
    .execute();
  return rows.map((row) => row.user_id);
}

export async function saveMembers(
  db: Db,
  applicationId: string,
  groupId: string,
  added: string[],
  removed: string[],
) {
  await db.transaction().execute(async (trx) => {
    for (const userId of removed) {
      await trx
        .deleteFrom('idm_memberships')
        .where('application_id', '=', applicationId)
        .where('group_id', '=', groupId)
        .where('user_id', '=', userId)
        .execute();
    }
    for (let start = 0; start < added.length; start += 500) {
      const rows = added
        .slice(start, start + 500)
        .map((userId) => ({ application_id: applicationId, group_id: groupId, user_id: userId }));
      await trx
        .insertInto('idm_memberships')
        .values(rows)
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  });
}

/** Maps Sesame user IDs to remote IDs for the users of `userIds` that the SP has. */
export async function remoteIdsOf(db: Db, applicationId: string, userIds: string[]) {
  const map = new Map<string, string>();
  for (let start = 0; start < userIds.length; start += 500) {
    const rows = await db
      .selectFrom('idm_users')
      .select(['user_id', 'remote_id'])
      .where('application_id', '=', applicationId)
      .where('user_id', 'in', userIds.slice(start, start + 500))
      .execute();
    for (const row of rows) map.set(row.user_id, row.remote_id);
  }
  return map;
}
