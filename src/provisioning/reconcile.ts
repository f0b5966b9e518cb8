import type { Db } from '../db/index.ts';
import { ScimCallError, type ScimClient } from './client.ts';
import {
  remoteIdsOf,
  dropGroupLink,
  dropUserLink,
  heldUser,
  saveGroupLink,
  saveMembers,
  saveUserLink,
} from './links.ts';
import type { ChangeQueue } from './queue.ts';
import {
  entitlementOperations,
  memberOperations,
  parseListResponse,
  parseRemoteGroup,
  parseRemoteUser,
  userPatchOperations,
  type RemoteGroup,
  type RemoteUser,
} from './resources.ts';
import { readWantedGroup, readWantedUser, type IntegrationContext } from './wanted.ts';

/** A call that a sync would send, as the preview lists it. */
export interface PlannedCall {
  method: 'POST' | 'PATCH' | 'DELETE';
  path: string;
  /** The user's userName or the group's name. */
  subject: string;
  summary: string;
}

const pageSize = 1000;

/** Reads every user and group the SP holds, page by page. Account-level groups come without members. */
export async function readRemoteState(client: ScimClient, withGroups: boolean) {
  const users = (await listAll(client, '/Users')).map(parseRemoteUser);
  const groups = withGroups ? (await listAll(client, '/Groups')).map(parseRemoteGroup) : [];
  return { users, groups };
}

async function listAll(client: ScimClient, resource: string): Promise<unknown[]> {
  const all: unknown[] = [];
  const seen = new Set<string>();
  let expected: number | undefined;
  for (let startIndex = 1; ;) {
    const response = await client.request(
      'GET',
      `${resource}?startIndex=${startIndex}&count=${pageSize}`,
    );
    const { resources, totalResults } = parseListResponse(response.body);
    // The first page's total is the one trusted: a server that raises it on each page would
    // otherwise keep the listing going.
    expected ??= totalResults;
    let fresh = 0;
    for (const entry of resources) {
      const id = (entry as { id?: unknown } | null)?.id;
      const key = typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
      if (key === undefined || !seen.has(key)) fresh += 1;
      if (key !== undefined) seen.add(key);
    }
    if (resources.length > 0 && fresh === 0) {
      throw new Error(
        `The SCIM server returned the same ${resource} page again at startIndex ${startIndex}`,
      );
    }
    all.push(...resources);
    // A server that pages for ever must not exhaust memory.
    if (all.length > client.maxListedResources) {
      throw new ScimCallError(
        'invalid_response',
        `The SCIM server lists more than ${client.maxListedResources} ${resource}; Sesame stops reading there (SESAME_SCIM_MAX_LISTED_RESOURCES)`,
      );
    }
    startIndex += resources.length;
    if (resources.length === 0 || startIndex > expected) return all;
  }
}

/** The Sesame users and groups a sync has to look at: in scope, bound, or known to the SP. */
async function relevantObjects(db: Db, context: IntegrationContext) {
  const scoped = await db
    .selectFrom('group_members')
    .innerJoin('application_groups', 'application_groups.group_id', 'group_members.group_id')
    .select('group_members.user_id')
    .where('application_groups.application_id', '=', context.applicationId)
    .execute();
  const linkedUsers = await db
    .selectFrom('idm_users')
    .selectAll()
    .where('application_id', '=', context.applicationId)
    .execute();
  const bound = await db
    .selectFrom('application_groups')
    .select('group_id')
    .where('application_id', '=', context.applicationId)
    .execute();
  const linkedGroups = await db
    .selectFrom('idm_groups')
    .selectAll()
    .where('application_id', '=', context.applicationId)
    .execute();
  return {
    userIds: [...new Set([...scoped, ...linkedUsers].map((row) => row.user_id))],
    linkedUsers: new Map(linkedUsers.map((row) => [row.user_id, row])),
    groupIds: [...new Set([...bound, ...linkedGroups].map((row) => row.group_id))],
    linkedGroups: new Map(linkedGroups.map((row) => [row.group_id, row])),
  };
}

/**
 * Compares Sesame's wanted state with what the SP holds and records the SP's state as known, then
 * queues a job for every relevant user and group. Jobs send only differences, so a sync with
 * nothing changed sends no writes. Objects that the listing showed absent are queued as such and
 * are created without a lookup each.
 */
export async function reconcile(
  db: Db,
  context: IntegrationContext,
  client: ScimClient,
  queue: ChangeQueue,
): Promise<{ users: number; groups: number }> {
  const remote = await readRemoteState(client, context.groupManagement);
  const remoteUsersById = new Map(remote.users.map((user) => [user.id, user]));
  const remoteUsersByName = new Map(
    remote.users.map((user) => [user.attributes.userName.toLowerCase(), user]),
  );
  const objects = await relevantObjects(db, context);

  // Only objects that differ get a job, so a sync with nothing changed writes nothing and
  // costs little more than the listing.
  const absentUsers: string[] = [];
  const differentUsers: string[] = [];
  for (const [index, userId] of objects.userIds.entries()) {
    if (index % 100 === 99) await yieldToEventLoop();
    const link = objects.linkedUsers.get(userId);
    const wanted = await readWantedUser(db, context, userId);
    const remoteUser = link
      ? remoteUsersById.get(link.remote_id)
      : wanted && remoteUsersByName.get(wanted.attributes.userName.toLowerCase());
    if (remoteUser) {
      await saveUserLink(db, context.applicationId, userId, remoteUser.id, remoteUser.attributes);
      const differs =
        !wanted || userPatchOperations(remoteUser.attributes, wanted.attributes).length > 0;
      if (differs) differentUsers.push(userId);
    } else {
      if (link) await dropUserLink(db, context.applicationId, userId);
      // A user that the SP lacks is created only if it is in scope.
      if (wanted?.inScope) absentUsers.push(userId);
    }
  }

  const absentGroups: string[] = [];
  const differentGroups: string[] = [];
  if (context.groupManagement) {
    const remoteGroupsById = new Map(remote.groups.map((group) => [group.id, group]));
    const remoteGroupsByName = new Map(remote.groups.map((group) => [group.displayName, group]));
    const userByRemoteId = new Map(
      (
        await db
          .selectFrom('idm_users')
          .select(['user_id', 'remote_id'])
          .where('application_id', '=', context.applicationId)
          .execute()
      ).map((row) => [row.remote_id, row.user_id]),
    );
    for (const [index, groupId] of objects.groupIds.entries()) {
      if (index % 100 === 99) await yieldToEventLoop();
      const link = objects.linkedGroups.get(groupId);
      const wanted = await readWantedGroup(db, context, groupId);
      let remoteGroup = link
        ? remoteGroupsById.get(link.remote_id)
        : wanted?.bound
          ? remoteGroupsByName.get(wanted.name)
          : undefined;
      if (!remoteGroup) {
        if (link) await dropGroupLink(db, context.applicationId, groupId);
        if (wanted?.bound && wanted.memberIds.length > 0) absentGroups.push(groupId);
        continue;
      }
      // An unbound group stays in the SP as it is, so it is not read.
      if (wanted && !wanted.bound) continue;
      remoteGroup = await withMembers(client, remoteGroup);
      await saveGroupLink(
        db,
        context.applicationId,
        groupId,
        remoteGroup.id,
        remoteGroup.displayName,
        remoteGroup.entitlements,
      );
      await db
        .deleteFrom('idm_memberships')
        .where('application_id', '=', context.applicationId)
        .where('group_id', '=', groupId)
        .execute();
      const members = (remoteGroup.memberIds ?? [])
        .map((id) => userByRemoteId.get(id))
        .filter((id): id is string => id !== undefined);
      await saveMembers(db, context.applicationId, groupId, members, []);
      if (!wanted) {
        differentGroups.push(groupId);
        continue;
      }
      const linked = await remoteIdsOf(db, context.applicationId, wanted.memberIds);
      const wantedMembers = new Set(wanted.memberIds.filter((id) => linked.has(id)));
      const differs =
        remoteGroup.displayName !== wanted.name ||
        entitlementOperations(remoteGroup.entitlements, wanted.entitlements).length > 0 ||
        members.length !== wantedMembers.size ||
        members.some((id) => !wantedMembers.has(id));
      if (differs) differentGroups.push(groupId);
    }
  }

  await db.transaction().execute(async (trx) => {
    const only = { applicationId: context.applicationId };
    await queue.enqueue(trx, { users: differentUsers, groups: differentGroups }, only);
    await queue.enqueue(
      trx,
      { users: absentUsers, groups: absentGroups },
      { ...only, knownAbsent: true },
    );
  });
  return { users: objects.userIds.length, groups: objects.groupIds.length };
}

function yieldToEventLoop() {
  return new Promise((resolve) => setImmediate(resolve));
}

async function withMembers(client: ScimClient, group: RemoteGroup): Promise<RemoteGroup> {
  if (group.memberIds !== undefined) return group;
  const response = await client.request('GET', `/Groups/${encodeURIComponent(group.id)}`);
  const full = parseRemoteGroup(response.body);
  return { ...full, memberIds: full.memberIds ?? [] };
}

/**
 * Lists the writes a sync would send now, without sending any: it reads the SP's users and groups
 * (read calls only) and diffs them with Sesame's wanted state as the jobs would.
 */
export async function preview(
  db: Db,
  context: IntegrationContext,
  client: ScimClient,
): Promise<PlannedCall[]> {
  const remote = await readRemoteState(client, context.groupManagement);
  const remoteUsersById = new Map(remote.users.map((user) => [user.id, user]));
  const remoteUsersByName = new Map(
    remote.users.map((user) => [user.attributes.userName.toLowerCase(), user]),
  );
  const objects = await relevantObjects(db, context);
  const calls: PlannedCall[] = [];
  // Sesame user ID → remote ID after the sync, or a placeholder for users it would create.
  const remoteIdAfter = new Map<string, string>();

  for (const userId of objects.userIds) {
    const link = objects.linkedUsers.get(userId);
    const wanted = await readWantedUser(db, context, userId);
    let remoteUser: RemoteUser | undefined = link
      ? remoteUsersById.get(link.remote_id)
      : wanted && remoteUsersByName.get(wanted.attributes.userName.toLowerCase());
    if (!wanted) {
      if (link && remoteUser) {
        calls.push(
          context.deprovision === 'delete'
            ? {
                method: 'DELETE',
                path: `/Users/${remoteUser.id}`,
                subject: link.user_name,
                summary: 'delete the user deleted in Sesame',
              }
            : {
                method: 'PATCH',
                path: `/Users/${remoteUser.id}`,
                subject: link.user_name,
                summary: 'deactivate the user deleted in Sesame',
              },
        );
      }
      continue;
    }
    const name = wanted.attributes.userName;
    if (!remoteUser && link && !wanted.inScope) continue;
    if (!remoteUser) {
      if (!wanted.inScope) continue;
      calls.push({ method: 'POST', path: '/Users', subject: name, summary: 'create the user' });
      remoteIdAfter.set(userId, `(new ${name})`);
      continue;
    }
    remoteIdAfter.set(userId, remoteUser.id);
    if (!link && !wanted.inScope) continue;
    remoteUser = { ...remoteUser, attributes: remoteUser.attributes };
    const operations = userPatchOperations(remoteUser.attributes, wanted.attributes);
    if (operations.length > 0) {
      calls.push({
        method: 'PATCH',
        path: `/Users/${remoteUser.id}`,
        subject: name,
        summary: `change ${operations.map((operation) => operation.path).join(', ')}`,
      });
    }
  }

  const bySubject = (a: PlannedCall, b: PlannedCall) => a.subject.localeCompare(b.subject);
  calls.sort(bySubject);
  if (!context.groupManagement) return calls;
  const userCalls = calls.length;
  const remoteGroupsById = new Map(remote.groups.map((group) => [group.id, group]));
  const remoteGroupsByName = new Map(remote.groups.map((group) => [group.displayName, group]));
  for (const groupId of objects.groupIds) {
    const link = objects.linkedGroups.get(groupId);
    const wanted = await readWantedGroup(db, context, groupId);
    const found = link
      ? remoteGroupsById.get(link.remote_id)
      : wanted?.bound
        ? remoteGroupsByName.get(wanted.name)
        : undefined;
    if (!wanted) {
      if (found)
        calls.push({
          method: 'DELETE',
          path: `/Groups/${found.id}`,
          subject: link!.display_name,
          summary: 'delete the group deleted in Sesame',
        });
      continue;
    }
    if (!wanted.bound) continue;
    const wantedMembers = wanted.memberIds
      .map((id) => remoteIdAfter.get(id))
      .filter((id): id is string => id !== undefined);
    if (!found) {
      if (wanted.memberIds.length > 0) {
        calls.push({
          method: 'POST',
          path: '/Groups',
          subject: wanted.name,
          summary: `create the group with ${wantedMembers.length} members`,
        });
      }
      continue;
    }
    const remoteGroup = await withMembers(client, found);
    const held = remoteGroup.memberIds ?? [];
    const added = wantedMembers.filter((id) => !held.includes(id));
    const linkedRemoteIds = new Set([...objects.linkedUsers.values()].map((row) => row.remote_id));
    // Only members that Sesame provisioned are removed; others were added in the SP directly.
    const removed = held.filter((id) => linkedRemoteIds.has(id) && !wantedMembers.includes(id));
    const operations = [
      ...(remoteGroup.displayName !== wanted.name ? [{ path: 'displayName' }] : []),
      ...entitlementOperations(remoteGroup.entitlements, wanted.entitlements),
      ...memberOperations(added, removed),
    ];
    if (operations.length > 0) {
      calls.push({
        method: 'PATCH',
        path: `/Groups/${remoteGroup.id}`,
        subject: wanted.name,
        summary:
          [
            remoteGroup.displayName !== wanted.name && `rename from "${remoteGroup.displayName}"`,
            added.length > 0 && `add ${added.length} members`,
            removed.length > 0 && `remove ${removed.length} members`,
          ]
            .filter(Boolean)
            .join(', ') || 'change entitlements',
      });
    }
  }
  // Users first, then groups, each by name, so that the list reads the same every time.
  return [...calls.slice(0, userCalls), ...calls.slice(userCalls).sort(bySubject)];
}

export { heldUser };
