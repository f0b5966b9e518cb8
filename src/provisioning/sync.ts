import type { Db } from '../db/index.ts';
import type { IdmJobsTable } from '../db/schema.ts';
import type { EventType, Insights } from '../insights/events.ts';
import { ScimCallError, type ScimClient, type ScimResponse } from './client.ts';
import {
  dropGroupLink,
  dropUserLink,
  heldMembers,
  heldUser,
  readGroupLink,
  readUserLink,
  remoteIdsOf,
  saveGroupLink,
  saveMembers,
  saveUserLink,
} from './links.ts';
import type { ChangeQueue } from './queue.ts';
import { reconcile } from './reconcile.ts';
import {
  entitlementOperations,
  groupResource,
  memberOperations,
  parseListResponse,
  parseRemoteGroup,
  parseRemoteUser,
  patchBody,
  quote,
  userPatchOperations,
  userResource,
  type PatchOperation,
  type RemoteGroup,
  type RemoteUser,
} from './resources.ts';
import {
  boundGroupsOfUser,
  readWantedGroup,
  readWantedUser,
  type IntegrationContext,
  type UserAttributes,
} from './wanted.ts';

export type Job = Pick<IdmJobsTable, 'kind' | 'object_id' | 'attempts' | 'known_absent'> & {
  /** True when an earlier attempt of this job may have reached the SP. */
  uncertain: boolean;
};

/** Databricks caps a PATCH body in practice; membership changes are sent in slices of this size. */
const membersPerPatch = 200;

export interface Syncer {
  /** Compares the whole application with the SP and queues a job per relevant object. */
  reconcile(): Promise<void>;
  syncUser(job: Job): Promise<void>;
  syncGroup(job: Job): Promise<void>;
  lookupUser(userName: string): Promise<RemoteUser | undefined>;
  lookupGroup(displayName: string): Promise<RemoteGroup | undefined>;
}

/**
 * Brings one user or group of one application in step with the SP. Each function reads the
 * current state from the database when it runs, so a job can be repeated safely: after an
 * uncertain failure it looks the object up before creating it again.
 */
export function createSyncer(
  db: Db,
  insights: Insights,
  client: ScimClient,
  context: IntegrationContext,
  queue: ChangeQueue,
): Syncer {
  /**
   * Records a provisioning event. `subject.username` is the SCIM userName; the event names the
   * Sesame username when the user still exists, so that the Directory Insights user filter finds
   * provisioning events beside the user's other events.
   */
  const record = async (
    type: EventType,
    subject: { userId?: string; username?: string; group?: string },
    result: { status?: number; error?: unknown; details?: Record<string, unknown> },
  ) => {
    const failure = result.error instanceof ScimCallError ? result.error : undefined;
    const status = failure?.status ?? result.status;
    const sesameUser =
      subject.userId === undefined
        ? undefined
        : await db
            .selectFrom('users')
            .select('username')
            .where('id', '=', subject.userId)
            .executeTakeFirst();
    return insights.record({
      type,
      outcome: result.error ? 'failure' : 'success',
      actor: 'provisioning',
      userId: subject.userId ?? null,
      username: sesameUser?.username ?? subject.username ?? null,
      applicationId: context.applicationId,
      applicationSlug: context.applicationSlug,
      errorCode: result.error ? (failure?.kind ?? 'internal') : null,
      errorMessage: result.error ? String((result.error as Error).message).slice(0, 500) : null,
      details: {
        ...(subject.group !== undefined && { group: subject.group }),
        ...(subject.username !== undefined && { userName: subject.username }),
        ...(status !== undefined && { status }),
        ...result.details,
      },
    });
  };

  /** Sends one call and records its event, success or failure; rethrows the failure. */
  const call = async (
    type: EventType,
    subject: { userId?: string; username?: string; group?: string },
    send: () => Promise<ScimResponse>,
    details: Record<string, unknown> = {},
  ) => {
    try {
      const response = await send();
      await record(type, subject, { status: response.status, details });
      return response;
    } catch (error) {
      // A 404 on delete means the object is already gone, which is what was asked.
      if (!(error instanceof ScimCallError && error.status === 404 && type.includes('delete')))
        await record(type, subject, { error, details });
      throw error;
    }
  };

  const lookupUser = async (userName: string) => {
    const response = await client.request(
      'GET',
      `/Users?filter=${encodeURIComponent(`userName eq ${quote(userName)}`)}`,
    );
    const { resources } = parseListResponse(response.body);
    // Databricks compares userName without regard to case, so one match at most is expected.
    const match = resources
      .map(parseRemoteUser)
      .find((user) => user.attributes.userName.toLowerCase() === userName.toLowerCase());
    return match;
  };

  const lookupGroup = async (displayName: string) => {
    const response = await client.request(
      'GET',
      `/Groups?filter=${encodeURIComponent(`displayName eq ${quote(displayName)}`)}`,
    );
    const { resources } = parseListResponse(response.body);
    const match = resources
      .map(parseRemoteGroup)
      .find((group) => group.displayName === displayName);
    if (!match) return undefined;
    // Account-level group listings leave members out; reading the group by ID includes them.
    return match.memberIds === undefined ? readGroup(match.id) : match;
  };

  const readGroup = async (remoteId: string) => {
    const response = await client.request('GET', `/Groups/${encodeURIComponent(remoteId)}`);
    const group = parseRemoteGroup(response.body);
    return { ...group, memberIds: group.memberIds ?? [] };
  };

  const isNotFound = (error: unknown) => error instanceof ScimCallError && error.status === 404;
  const isConflict = (error: unknown) => error instanceof ScimCallError && error.status === 409;

  /** Asks for the group jobs that a user's changed link or scope makes necessary. */
  const enqueueGroupsOf = async (userId: string) => {
    if (!context.groupManagement) return;
    const groups = await boundGroupsOfUser(db, [context.applicationId], userId);
    const held = await db
      .selectFrom('idm_memberships')
      .select('group_id')
      .where('application_id', '=', context.applicationId)
      .where('user_id', '=', userId)
      .execute();
    const ids = [...new Set([...groups, ...held].map((row) => row.group_id))];
    if (ids.length === 0) return;
    await db
      .transaction()
      .execute((trx) =>
        queue.enqueue(trx, { groups: ids }, { applicationId: context.applicationId }),
      );
  };

  const createUser = async (userId: string, wanted: UserAttributes) => {
    const subject = { userId, username: wanted.userName };
    let response: ScimResponse;
    try {
      response = await call('user_create_provision', subject, () =>
        client.request('POST', '/Users', userResource(wanted)),
      );
    } catch (error) {
      if (!isConflict(error)) throw error;
      // The SP already has this userName: adopt it instead of failing.
      const existing = await lookupUser(wanted.userName);
      if (!existing) throw error;
      await adoptUser(userId, existing);
      return updateUser(userId, existing.id, existing.attributes, wanted);
    }
    const created = parseRemoteUser(response.body);
    await saveUserLink(db, context.applicationId, userId, created.id, {
      ...wanted,
      // Databricks stores the userName lower-cased; keep what it returned.
      userName: created.attributes.userName || wanted.userName,
    });
  };

  const adoptUser = async (userId: string, remote: RemoteUser) => {
    await saveUserLink(db, context.applicationId, userId, remote.id, remote.attributes);
  };

  const updateUser = async (
    userId: string,
    remoteId: string,
    held: UserAttributes,
    wanted: UserAttributes,
  ) => {
    const operations = userPatchOperations(held, wanted);
    const changedIdentity = [
      held.userName.toLowerCase() !== wanted.userName.toLowerCase() && 'userName',
      held.email.toLowerCase() !== wanted.email.toLowerCase() && 'emails',
    ].filter(Boolean);
    if (operations.length === 0) return;

    const type = held.active && !wanted.active ? 'user_deprovision' : 'user_update_provision';
    try {
      await call(
        type,
        { userId, username: wanted.userName },
        () =>
          client.request('PATCH', `/Users/${encodeURIComponent(remoteId)}`, patchBody(operations)),
        {
          changed: operations.map((operation) => operation.path),
          ...(changedIdentity.length > 0 && {
            warning: `The SP keeps the old ${changedIdentity.join(' and ')}: Databricks ignores changes to them`,
          }),
        },
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
      // Deleted in the SP behind Sesame's back: create it again if it is still wanted.
      await dropUserLink(db, context.applicationId, userId);
      if (wanted.active) await createUser(userId, wanted);
      return;
    }
    // userName and emails keep the SP's values, because Databricks ignores changes to them.
    await saveUserLink(db, context.applicationId, userId, remoteId, {
      ...wanted,
      userName: held.userName,
      email: held.email,
    });
  };

  const removeUser = async (userId: string) => {
    const link = await readUserLink(db, context.applicationId, userId);
    if (!link) return;
    const subject = { userId, username: link.user_name };
    const path = `/Users/${encodeURIComponent(link.remote_id)}`;
    try {
      if (context.deprovision === 'delete') {
        await call('user_delete_provision', subject, () => client.request('DELETE', path));
      } else if (link.active === 1) {
        await call(
          'user_deprovision',
          subject,
          () =>
            client.request(
              'PATCH',
              path,
              patchBody([{ op: 'replace', path: 'active', value: 'false' }]),
            ),
          { reason: 'deleted in Sesame; the application deactivates only' },
        );
      }
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    await dropUserLink(db, context.applicationId, userId);
  };

  return {
    lookupUser,
    lookupGroup,

    async reconcile() {
      const counts = await reconcile(db, context, client, queue);
      await insights.record({
        type: 'idm_integration_update',
        outcome: 'success',
        actor: 'provisioning',
        applicationId: context.applicationId,
        applicationSlug: context.applicationSlug,
        details: { sync: 'compared', ...counts },
      });
    },

    async syncUser(job) {
      const userId = job.object_id;
      const wanted = await readWantedUser(db, context, userId);
      if (!wanted) return removeUser(userId);

      const link = await readUserLink(db, context.applicationId, userId);
      if (link) {
        await updateUser(userId, link.remote_id, heldUser(link), wanted.attributes);
      } else {
        if (!wanted.inScope) return;
        // First sight of this user: look it up by userName unless a full listing just showed
        // that the SP has no such user and no earlier attempt may have created it.
        const skipLookup = job.known_absent === 1 && !job.uncertain;
        let existing: RemoteUser | undefined;
        if (!skipLookup) {
          existing = await lookupUser(wanted.attributes.userName).catch(async (error: unknown) => {
            await record(
              'user_lookup_provision',
              { userId, username: wanted.user.username },
              { error },
            );
            throw error;
          });
          await record(
            'user_lookup_provision',
            { userId, username: wanted.attributes.userName },
            { status: 200, details: { found: existing !== undefined, remoteId: existing?.id } },
          );
        }
        if (existing) {
          await adoptUser(userId, existing);
          await updateUser(userId, existing.id, existing.attributes, wanted.attributes);
        } else {
          await createUser(userId, wanted.attributes);
        }
      }
      await enqueueGroupsOf(userId);
    },

    async syncGroup(job) {
      if (!context.groupManagement) return;
      const groupId = job.object_id;
      const wanted = await readWantedGroup(db, context, groupId);
      let link = await readGroupLink(db, context.applicationId, groupId);

      if (!wanted) {
        if (!link) return;
        try {
          await call('group_delete_provision', { group: link.display_name }, () =>
            client.request('DELETE', `/Groups/${encodeURIComponent(link!.remote_id)}`),
          );
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
        await dropGroupLink(db, context.applicationId, groupId);
        return;
      }
      // An unbound group stops syncing and stays in the SP as it is.
      if (!wanted.bound) return;

      const remoteIds = await remoteIdsOf(db, context.applicationId, wanted.memberIds);
      const wantedMembers = wanted.memberIds.filter((id) => remoteIds.has(id));
      const subject = { group: wanted.name };

      if (!link) {
        // Empty groups are not created.
        if (wanted.memberIds.length === 0) return;
        const skipLookup = job.known_absent === 1 && !job.uncertain;
        const existing = skipLookup ? undefined : await lookupGroup(wanted.name);
        if (existing) {
          await adoptGroup(groupId, existing);
          await record('group_update_provision', subject, {
            status: 200,
            details: { tookOver: existing.id },
          });
        } else {
          await createGroup(groupId, wanted.name, wantedMembers, remoteIds, wanted.entitlements);
        }
        link = await readGroupLink(db, context.applicationId, groupId);
        if (!link) return;
      }

      const held = await heldMembers(db, context.applicationId, groupId);
      const heldSet = new Set(held);
      const memberSet = new Set(wanted.memberIds);
      const added = wantedMembers.filter((id) => !heldSet.has(id));
      const removed = held.filter((id) => !memberSet.has(id) || !remoteIds.has(id));
      const renamed = link.display_name !== wanted.name;
      const entitlementChanges = entitlementOperations(
        JSON.parse(link.entitlements) as string[],
        wanted.entitlements,
      );

      const removedRemoteIds = await heldRemoteIds(removed);
      const slices: Array<{ operations: PatchOperation[]; added: string[]; removed: string[] }> =
        [];
      const first: PatchOperation[] = [
        ...(renamed ? [{ op: 'replace' as const, path: 'displayName', value: wanted.name }] : []),
        ...entitlementChanges,
      ];
      for (
        let start = 0;
        start < Math.max(added.length, removed.length, 1);
        start += membersPerPatch
      ) {
        const addSlice = added.slice(start, start + membersPerPatch);
        const removeSlice = removed.slice(start, start + membersPerPatch);
        const operations = [
          ...(start === 0 ? first : []),
          ...memberOperations(
            addSlice.map((id) => remoteIds.get(id)!),
            removeSlice.map((id) => removedRemoteIds.get(id)!).filter(Boolean),
          ),
        ];
        if (operations.length > 0)
          slices.push({ operations, added: addSlice, removed: removeSlice });
      }

      for (const slice of slices) {
        try {
          await call(
            'group_update_provision',
            subject,
            () =>
              client.request(
                'PATCH',
                `/Groups/${encodeURIComponent(link!.remote_id)}`,
                patchBody(slice.operations),
              ),
            {
              ...(renamed && slice === slices[0] && { renamedFrom: link.display_name }),
              membersAdded: slice.added.length,
              membersRemoved: slice.removed.length,
            },
          );
        } catch (error) {
          if (!isNotFound(error)) throw error;
          // Deleted in the SP behind Sesame's back: create it again with its members.
          await dropGroupLink(db, context.applicationId, groupId);
          if (wanted.memberIds.length > 0)
            await createGroup(groupId, wanted.name, wantedMembers, remoteIds, wanted.entitlements);
          return;
        }
        await saveMembers(db, context.applicationId, groupId, slice.added, slice.removed);
      }
      if (slices.length > 0) {
        await saveGroupLink(
          db,
          context.applicationId,
          groupId,
          link.remote_id,
          wanted.name,
          wanted.entitlements,
        );
      }
    },
  };

  async function heldRemoteIds(userIds: string[]) {
    return remoteIdsOf(db, context.applicationId, userIds);
  }

  async function adoptGroup(groupId: string, remote: RemoteGroup) {
    await saveGroupLink(
      db,
      context.applicationId,
      groupId,
      remote.id,
      remote.displayName,
      remote.entitlements,
    );
    // Record the members the SP's group already has, so that only the difference is sent.
    const remoteToLocal = new Map<string, string>();
    const links = await db
      .selectFrom('idm_users')
      .select(['user_id', 'remote_id'])
      .where('application_id', '=', context.applicationId)
      .execute();
    for (const row of links) remoteToLocal.set(row.remote_id, row.user_id);
    const members = (remote.memberIds ?? [])
      .map((id) => remoteToLocal.get(id))
      .filter((id): id is string => id !== undefined);
    await saveMembers(db, context.applicationId, groupId, members, []);
  }

  /** Creates the group with its first members, or takes over the SP's group of that name on 409. */
  async function createGroup(
    groupId: string,
    name: string,
    memberIds: string[],
    remoteIds: Map<string, string>,
    entitlements: string[],
  ): Promise<void> {
    const initial = memberIds.slice(0, membersPerPatch);
    let response: ScimResponse;
    try {
      response = await call(
        'group_create_provision',
        { group: name },
        () =>
          client.request(
            'POST',
            '/Groups',
            groupResource(
              name,
              initial.map((id) => remoteIds.get(id)!),
              entitlements,
            ),
          ),
        { members: initial.length },
      );
    } catch (error) {
      if (!isConflict(error)) throw error;
      // A group with this name exists in the SP: take it over.
      const existing = await lookupGroup(name);
      if (!existing) throw error;
      await adoptGroup(groupId, existing);
      await record(
        'group_update_provision',
        { group: name },
        { status: 200, details: { tookOver: existing.id } },
      );
      return;
    }
    const created = parseRemoteGroup(response.body);
    await saveGroupLink(db, context.applicationId, groupId, created.id, name, entitlements);
    await saveMembers(db, context.applicationId, groupId, initial, []);
  }
}
