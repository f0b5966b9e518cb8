import type { Db } from '../db/index.ts';
import type { Actor } from '../directory/service.ts';
import type { Insights } from '../insights/events.ts';
import type { ChangeQueue } from '../provisioning/queue.ts';
import { applicationColumns, toApplication, type Application } from './model.ts';

/** Bindings of user groups to applications, and the implicit-deny check built on them. */
export interface BindingOperations {
  bind(slug: string, groupId: string, groupName: string, by: Actor): Promise<void>;
  unbind(slug: string, groupId: string, by: Actor): Promise<void>;
  /** Makes exactly `groupIds` the bound groups, recording one event per change. */
  setBindings(slug: string, groupIds: string[], by: Actor): Promise<void>;
  listBoundGroups(slug: string): Promise<Array<{ id: string; name: string }>>;
  listForGroup(groupId: string): Promise<Application[]>;
  /** Lists the active applications that `userId` may use: bound to one of their groups. */
  listForUser(userId: string): Promise<Application[]>;
  /** Implicit deny: true only while the user is active and in a group bound to the application. */
  isAuthorized(userId: string, applicationId: string): Promise<boolean>;
}

export function createBindings(
  db: Db,
  insights: Insights,
  require: (slug: string) => Promise<Application>,
  requireGroupById: (id: string) => Promise<{ id: string; name: string }>,
  queue: ChangeQueue,
): BindingOperations {
  const record = (
    type: 'application_group_bind' | 'application_group_unbind',
    application: Application,
    group: { id: string; name: string },
    by: Actor,
  ) =>
    insights.record({
      type,
      outcome: 'success',
      ...by,
      applicationId: application.id,
      applicationSlug: application.slug,
      details: { groupId: group.id, group: group.name },
    });

  /** Binding or unbinding a group can bring each of its members into or out of scope. */
  const enqueueBindingChange = (trx: Db, application: Application, groupId: string) =>
    queue.enqueue(
      trx,
      { membersOf: [groupId], groups: [groupId] },
      { applicationId: application.id },
    );

  const listBoundGroups = async (slug: string) => {
    const application = await require(slug);
    return db
      .selectFrom('groups')
      .innerJoin('application_groups', 'application_groups.group_id', 'groups.id')
      .select(['groups.id', 'groups.name'])
      .where('application_groups.application_id', '=', application.id)
      .orderBy('groups.name_key')
      .execute();
  };

  const bindOne = async (
    application: Application,
    group: { id: string; name: string },
    by: Actor,
  ) => {
    const inserted = await db.transaction().execute(async (trx) => {
      const result = await trx
        .insertInto('application_groups')
        .values({ application_id: application.id, group_id: group.id })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      const added = Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
      if (added) await enqueueBindingChange(trx, application, group.id);
      return added;
    });
    // Already bound: nothing changed, so nothing is recorded.
    if (!inserted) return;
    await record('application_group_bind', application, group, by);
  };

  const unbindOne = async (
    application: Application,
    group: { id: string; name: string },
    by: Actor,
  ) => {
    const deleted = await db.transaction().execute(async (trx) => {
      const result = await trx
        .deleteFrom('application_groups')
        .where('application_id', '=', application.id)
        .where('group_id', '=', group.id)
        .executeTakeFirst();
      const removed = Number(result.numDeletedRows) > 0;
      if (removed) await enqueueBindingChange(trx, application, group.id);
      return removed;
    });
    if (!deleted) return;
    await record('application_group_unbind', application, group, by);
  };

  return {
    listBoundGroups,

    async bind(slug, groupId, groupName, by) {
      await bindOne(await require(slug), { id: groupId, name: groupName }, by);
    },

    async unbind(slug, groupId, by) {
      await unbindOne(await require(slug), await requireGroupById(groupId), by);
    },

    async setBindings(slug, groupIds, by) {
      const application = await require(slug);
      const requested = await Promise.all([...new Set(groupIds)].map(requireGroupById));
      const current = await listBoundGroups(slug);
      for (const group of requested) {
        if (!current.some((bound) => bound.id === group.id)) await bindOne(application, group, by);
      }
      for (const group of current) {
        if (!requested.some((kept) => kept.id === group.id))
          await unbindOne(application, group, by);
      }
    },

    async listForGroup(groupId) {
      const rows = await db
        .selectFrom('applications')
        .innerJoin('application_groups', 'application_groups.application_id', 'applications.id')
        .select(applicationColumns.map((column) => `applications.${column}` as const))
        .where('application_groups.group_id', '=', groupId)
        .orderBy('applications.display_label')
        .execute();
      return rows.map(toApplication);
    },

    async listForUser(userId) {
      const rows = await db
        .selectFrom('applications')
        .select(applicationColumns.map((column) => `applications.${column}` as const))
        .where('applications.active', '=', 1)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('application_groups')
              .innerJoin('group_members', 'group_members.group_id', 'application_groups.group_id')
              .innerJoin('users', 'users.id', 'group_members.user_id')
              .whereRef('application_groups.application_id', '=', 'applications.id')
              .where('group_members.user_id', '=', userId)
              .where('users.status', '=', 'active')
              .select(eb.lit(1).as('one')),
          ),
        )
        .orderBy('applications.display_label')
        .execute();
      return rows.map(toApplication);
    },

    async isAuthorized(userId, applicationId) {
      const row = await db
        .selectFrom('application_groups')
        .innerJoin('group_members', 'group_members.group_id', 'application_groups.group_id')
        .innerJoin('users', 'users.id', 'group_members.user_id')
        .where('application_groups.application_id', '=', applicationId)
        .where('group_members.user_id', '=', userId)
        .where('users.status', '=', 'active')
        .select('users.id')
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}
